#include "transport/stdio/line_io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <cerrno>

#include <algorithm>
#include <system_error>

namespace mcpxx::stdio_transport {

line_reader::line_reader(int fd, std::size_t max_line_bytes)
    : fd_(fd), max_(std::max<std::size_t>(max_line_bytes, 1)) {
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
}

line_reader::~line_reader() {
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void line_reader::stop() noexcept {
  if (stopped_.exchange(true)) return;
  char c = 1;
  [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
}

bool line_reader::fill() {
  if (ended_ || stopped_.load()) return false;
  char chunk[64 * 1024];
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (fds[1].revents != 0 || stopped_.load()) return false;
    if (fds[0].revents & POLLNVAL) return false;
    if (fds[0].revents == 0) continue;
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buf_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    return false;  // 0 = end of input; anything else = it will not get better
  }
}

line_reader::status line_reader::next(std::string& line) {
  for (;;) {
    if (stopped_.load()) return status::end;
    auto nl = buf_.find('\n', scanned_);
    if (nl != std::string::npos) {
      bool skipped = discarding_ || nl > max_;
      discarding_ = false;
      if (!skipped) {
        line.assign(buf_, 0, nl);
        if (!line.empty() && line.back() == '\r') line.pop_back();
      }
      buf_.erase(0, nl + 1);
      scanned_ = 0;
      if (skipped) return status::too_long;
      return status::line;
    }
    scanned_ = buf_.size();
    if (buf_.size() > max_) {
      // Keep reading (and dropping) until the line ends, then report it once.
      discarding_ = true;
      buf_.clear();
      scanned_ = 0;
    }
    if (!fill()) {
      ended_ = true;
      if (stopped_.load()) return status::end;
      if (discarding_) {
        discarding_ = false;
        buf_.clear();
        return status::too_long;
      }
      if (buf_.find_first_not_of(" \t\r") == std::string::npos) {
        buf_.clear();
        return status::end;
      }
      line = std::move(buf_);
      buf_.clear();
      scanned_ = 0;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return status::line;
    }
  }
}

bool line_writer::write(std::string_view line) {
  std::lock_guard lock(mutex_);
  if (closed_ || broken_.load()) return false;
  std::string data;
  data.reserve(line.size() + 1);
  data.append(line);
  data.push_back('\n');
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd_, data.data() + off, data.size() - off);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    broken_.store(true, std::memory_order_release);
    return false;
  }
  return true;
}

void line_writer::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
}

}  // namespace mcpxx::stdio_transport
