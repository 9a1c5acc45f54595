#include "net/request_reader.h"

#include <cstring>

#include "http/http1/writer.h"

namespace torii::net {

RequestReader::RequestReader(size_t buffer_size, http1::Limits limits)
    : parser_(http1::Parser::Type::kRequest, limits), in_(buffer_size) {}

awaitable<RequestReader::Status> RequestReader::next(tcp::socket& sock, std::string* body,
                                                     size_t max_body) {
  boost::system::error_code ec;
  too_large_ = false;
  for (;;) {
    while (end_ > begin_) {
      auto r = parser_.parse(in_.data() + begin_, end_ - begin_);
      if (r.error) co_return Status::kError;
      // Body views point into in_: copy them before the buffer moves.
      for (auto piece : parser_.body()) {
        if (!body) continue;
        if (body->size() + piece.size() > max_body) {
          too_large_ = true;
        } else {
          body->append(piece);
        }
      }
      begin_ += r.consumed;
      if (r.message_complete) co_return Status::kComplete;
      if (r.headers_complete && parser_.head().expect_continue) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await asio::async_write(sock, asio::buffer(kContinue.data(), kContinue.size()),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return Status::kClosed;
      }
      if (r.consumed == 0) break;
    }
    if (begin_ == end_) begin_ = end_ = 0;
    if (end_ == in_.size()) {  // compact; the parser copies heads out, so this always frees room
      std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    size_t n = co_await sock.async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_),
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec || n == 0) co_return Status::kClosed;
    end_ += n;
  }
}

std::string RequestReader::errorReply() const {
  std::string out;
  http1::localReply(out, parser_.errorStatus(), parser_.errorReason() + "\n", true);
  return out;
}

void RequestReader::append(std::string_view bytes) {
  std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  if (end_ + bytes.size() > in_.size()) in_.resize(end_ + bytes.size());
  std::memcpy(in_.data() + end_, bytes.data(), bytes.size());
  end_ += bytes.size();
}

}  // namespace torii::net
