#pragma once
// The proxy's socket reads: recv(2) only when the socket may have data, so that no read fails
// with EAGAIN.
//
// asio (Boost 1.81) starts every async read with a speculative recv(2) unless the previous read on
// that socket hit end-of-file. When the peer has not answered yet the speculation fails with
// EAGAIN and the read is queued on epoll after all. In bench/http1 that was about one wasted system
// call per proxied request (~1.1 us each on the bench machine), at 1 and 2 workers; nginx issues
// none, it reads only after epoll says so. Without them Torii's CPU per request fell ~10%.
//
// readNow asks the kernel, with the TCP_INQ socket option, how many bytes are left in the receive
// queue after each read (the count is 1 when only a FIN is left, so end-of-file is never missed:
// a read that returns the last bytes together with the FIN would otherwise leave nothing for epoll
// to report). When nothing is left it marks the socket as empty in asio's reactor (the flag asio
// uses to decide on speculative reads), and the next read waits for epoll first. Any byte, FIN or
// reset that arrives later wakes the edge-triggered epoll registration asio keeps for the socket,
// and asio sets the flag again when it processes that event, whether or not a read is waiting:
// no wake-up is lost. This reaches into asio's private reactor state, so the .cc pins the Boost
// version it was checked against.
#include <boost/asio/async_result.hpp>
#include <boost/asio/detail/reactive_wait_op.hpp>
#include <cstddef>
#include <type_traits>

#include "event/asio.h"

namespace torii::net {

// Turns on TCP_INQ for `sock` (after connect or accept). Without it reads still work, they just
// never skip a recv(2).
void enableReadHints(tcp::socket& sock);

// One read attempt of at most `buf.size()` bytes. Returns true when the read is finished: `n` is
// the count, 0 with `ec` clear at end-of-file (or for an empty buffer), 0 with `ec` set on an
// error. Returns false when the socket is known to be empty (or recv(2) said EAGAIN): co_await
// asyncWaitReadable, then call again with `after_wait` true, which always tries recv(2). Only
// from the thread that runs the socket's io_context.
bool readNow(tcp::socket& sock, asio::mutable_buffer buf, size_t& n, boost::system::error_code& ec,
             bool after_wait);

namespace detail {
void startReadWait(tcp::socket& sock, asio::detail::reactor_op* op, bool is_continuation);

struct InitiateWaitReadable {
  template <typename Handler>
  void operator()(Handler&& h, tcp::socket* sock) const {
    using Op = asio::detail::reactive_wait_op<std::decay_t<Handler>, asio::any_io_executor>;
    std::decay_t<Handler> handler(std::forward<Handler>(h));
    const bool is_continuation = boost_asio_handler_cont_helpers::is_continuation(handler);
    typename Op::ptr p = {asio::detail::addressof(handler), Op::ptr::allocate(handler), nullptr};
    p.p = new (p.v) Op(boost::system::error_code(), handler, sock->get_executor());
    startReadWait(*sock, p.p, is_continuation);
    p.v = p.p = nullptr;
  }
};
}  // namespace detail

// Completes when `sock` may be readable: at once when epoll has reported it since the last read
// emptied it, else when epoll next does. Queued the way asio queues a read, without a system call
// (asio's own async_wait re-arms the descriptor with epoll_ctl(2) on every call, which would cost
// what the skipped recv saves). Cancelled by sock.cancel() and close().
template <typename Token>
auto asyncWaitReadable(tcp::socket& sock, Token&& token) {
  return asio::async_initiate<Token, void(boost::system::error_code)>(
      detail::InitiateWaitReadable{}, token, &sock);
}

}  // namespace torii::net
