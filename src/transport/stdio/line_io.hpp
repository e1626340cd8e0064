// Newline-delimited messages over file descriptors: a reader that blocks on one thread
// and can be woken from any other, and a writer that puts each line out whole.
#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace mcpxx::stdio_transport {

class line_reader {
 public:
  enum class status { line, too_long, end };

  // Does not own `fd`.
  line_reader(int fd, std::size_t max_line_bytes);
  ~line_reader();
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  // Blocks for the next line (without '\n' and a trailing '\r'). `too_long` reports a
  // line that was skipped because it exceeded the limit; `end` = end of input, a read
  // error or stop(). A last line without '\n' still counts as a line.
  status next(std::string& line);
  // Thread-safe and async-signal-safe: next() returns `end` from now on.
  void stop() noexcept;

 private:
  bool fill();  // false at end of input, error or stop

  int fd_;
  int wake_[2] = {-1, -1};
  std::size_t max_;
  std::string buf_;
  std::size_t scanned_ = 0;  // buf_[0, scanned_) holds no '\n'
  bool discarding_ = false;  // inside a line that is too long
  bool ended_ = false;
  std::atomic<bool> stopped_{false};
};

class line_writer {
 public:
  explicit line_writer(int fd) : fd_(fd) {}

  // Writes `line` and '\n' as one piece, in order with every other write; false when
  // the line was dropped (closed, or the descriptor failed, e.g. the reader is gone).
  bool write(std::string_view line);
  // Nothing is written afterwards.
  void close();
  bool broken() const noexcept { return broken_.load(std::memory_order_acquire); }

 private:
  std::mutex mutex_;
  int fd_;
  bool closed_ = false;
  std::atomic<bool> broken_{false};
};

}  // namespace mcpxx::stdio_transport
