#include "net/read_readiness.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/query.hpp>
#include <cerrno>
#include <cstring>

#if !defined(BOOST_ASIO_HAS_EPOLL) || defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT) || \
    BOOST_VERSION != 108100
#error "read_readiness.cc uses asio's epoll_reactor state: check it against this Boost version"
#endif

namespace torii::net {
namespace {

using Reactor = asio::detail::epoll_reactor;
using SocketBase = asio::basic_socket<tcp, asio::any_io_executor>;
using SocketImpl =
    asio::detail::io_object_impl<asio::detail::reactive_socket_service<tcp>, asio::any_io_executor>;

// Names two private members through an explicit template instantiation, where access checks do
// not apply ([temp.spec.general]/6): basic_socket::impl_ and the reactor's per-descriptor
// try_speculative_ flags (set by asio whenever epoll reports the descriptor, cleared by us).
template <typename Tag, typename Tag::type kMember>
struct Expose {
  friend typename Tag::type get(Tag) { return kMember; }
};
struct ImplTag {
  using type = SocketImpl SocketBase::*;
  friend type get(ImplTag);
};
struct SpeculativeTag {
  using type = bool (Reactor::descriptor_state::*)[Reactor::max_ops];
  friend type get(SpeculativeTag);
};
template struct Expose<ImplTag, &SocketBase::impl_>;
template struct Expose<SpeculativeTag, &Reactor::descriptor_state::try_speculative_>;

// The socket's "may be readable" flag in asio's reactor, or null when it has no reactor entry.
bool* readableFlag(tcp::socket& sock) {
  SocketBase& base = sock;
  Reactor::per_descriptor_data data = (base.*get(ImplTag{})).get_implementation().reactor_data_;
  return data ? &(data->*get(SpeculativeTag{}))[Reactor::read_op] : nullptr;
}

// One non-blocking recvmsg(2). Returns the count (or -1 with errno) and sets `*left` to the bytes
// still queued as TCP_INQ reports them, -1 when the kernel sent no hint.
ssize_t recvWithHint(int fd, asio::mutable_buffer buf, int* left) {
  iovec iov{buf.data(), buf.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  *left = -1;
  ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n > 0) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_TCP && c->cmsg_type == TCP_CM_INQ) {
        std::memcpy(left, CMSG_DATA(c), sizeof(int));
        break;
      }
    }
  }
  return n;
}

}  // namespace

void enableReadHints(tcp::socket& sock) {
  int one = 1;
  (void)::setsockopt(sock.native_handle(), SOL_TCP, TCP_INQ, &one, sizeof(one));
}

namespace detail {
void startReadWait(tcp::socket& sock, asio::detail::reactor_op* op, bool is_continuation) {
  SocketBase& base = sock;
  auto& impl = (base.*get(ImplTag{})).get_implementation();
  // use_service takes the registry's mutex: look the reactor up once per thread and context.
  thread_local asio::execution_context* cached_context = nullptr;
  thread_local Reactor* cached_reactor = nullptr;
  asio::execution_context& context = asio::query(sock.get_executor(), asio::execution::context);
  if (&context != cached_context) {
    cached_reactor = &asio::use_service<Reactor>(context);
    cached_context = &context;
  }
  Reactor& reactor = *cached_reactor;
  // allow_speculative: complete at once when the readable flag is set, else queue the wait
  // without re-arming the descriptor.
  reactor.start_op(Reactor::read_op, impl.socket_, impl.reactor_data_, op, is_continuation,
                   /*allow_speculative=*/true);
}
}  // namespace detail

bool readNow(tcp::socket& sock, asio::mutable_buffer buf, size_t& n, boost::system::error_code& ec,
             bool after_wait) {
  ec = {};
  n = 0;
  if (buf.size() == 0) return true;
  bool* readable = readableFlag(sock);
  if (!after_wait && readable && !*readable) return false;
  int left = -1;
  ssize_t got;
  do {
    got = recvWithHint(sock.native_handle(), buf, &left);
  } while (got < 0 && errno == EINTR);
  if (got >= 0) {
    // Drained, with no FIN pending either: the next read waits for epoll first.
    if (got > 0 && left == 0 && readable) *readable = false;
    n = size_t(got);
    return true;
  }
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    if (readable) *readable = false;
    return false;
  }
  ec.assign(errno, boost::asio::error::get_system_category());
  return true;
}

}  // namespace torii::net
