#include "resp.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <utility>

namespace mcpxx::store::redis {

namespace {

// "<kind><n>\r\n" at p; returns the end.
char* put_header(char* p, char kind, std::size_t n) {
  *p++ = kind;
  p = std::to_chars(p, p + 20, n).ptr;  // 20 digits hold any size_t
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

constexpr std::size_t max_header = 1 + 20 + 2;

}  // namespace

// Written here, not with hiredis's redisFormatCommandArgv: that one formats with sprintf
// (its sds variant with sdscatfmt) and measured ~5,000 instructions per command, a third of
// the Redis client's own cost per session (callgrind, churn workload). The encoding is
// RESP's array of bulk strings, nothing more; a command keeps its arguments encoded.
command& command::append(std::string_view arg) {
  char piece[max_header + 128];  // most arguments: encoded here, appended in one go
  char* end = put_header(piece, '$', arg.size());
  const auto head = static_cast<std::size_t>(end - piece);
  const auto need = args_.size() + head + arg.size() + 2;
  if (args_.capacity() < need) args_.reserve(std::max(need, 2 * args_.capacity()));
  if (arg.size() <= sizeof piece - max_header - 2) {
    std::memcpy(end, arg.data(), arg.size());
    end += arg.size();
    *end++ = '\r';
    *end++ = '\n';
    args_.append(piece, end);
  } else {
    args_.append(piece, end).append(arg).append("\r\n", 2);
  }
  ++argc_;
  return *this;
}

command& command::append(long long n) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  return append(std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

command& command::append_encoded(const command& more) {
  args_.append(more.args_);
  argc_ += more.argc_;
  return *this;
}

std::vector<std::string_view> command::args() const {
  std::vector<std::string_view> out;
  out.reserve(argc_);
  std::size_t at = 0;
  while (at < args_.size()) {  // "$<len>\r\n<arg>\r\n"
    const auto crlf = args_.find('\r', at);
    std::size_t len = 0;
    std::from_chars(args_.data() + at + 1, args_.data() + crlf, len);
    out.emplace_back(args_.data() + crlf + 2, len);
    at = crlf + 2 + len + 2;
  }
  return out;
}

std::string_view command::name() const noexcept {
  if (argc_ == 0) return {};
  const auto crlf = args_.find('\r');
  std::size_t len = 0;
  std::from_chars(args_.data() + 1, args_.data() + crlf, len);
  return std::string_view(args_).substr(crlf + 2, len);
}

command command::with_head(std::size_t n, std::initializer_list<std::string_view> head) const {
  command c(head);
  const auto all = args();
  for (std::size_t i = n; i < all.size(); ++i) c.append(all[i]);
  return c;
}

void format_command(const command& cmd, std::string& out) {
  char header[max_header];
  char* end = put_header(header, '*', cmd.size());
  const auto& body = cmd.encoded_args();
  const auto need = out.size() + static_cast<std::size_t>(end - header) + body.size();
  if (out.capacity() < need) out.reserve(std::max(need, 2 * out.capacity()));
  out.append(header, end).append(body);
}

namespace {

// hiredis's parser builds replies through these callbacks straight into our values (its own
// redisReply objects would be allocated, copied from and freed again): the root on the heap,
// every element in place in its parent's element vector, sized when the parent was created
// and never resized, so the pointers hiredis keeps to unfinished arrays stay valid. hiredis
// frees only the root (on a parse error, or when the reader is freed mid-reply).
reply* slot_for(const redisReadTask* task) {
  if (task->parent)
    return &static_cast<reply*>(task->parent->obj)->elements[static_cast<std::size_t>(task->idx)];
  return new reply;
}

void* create_string(const redisReadTask* task, char* str, std::size_t len) {
  auto* r = slot_for(task);
  r->type = task->type == REDIS_REPLY_ERROR    ? reply::kind::error
            : task->type == REDIS_REPLY_STATUS ? reply::kind::status
                                               : reply::kind::string;
  r->str.assign(str, len);
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  auto* r = slot_for(task);
  r->type = reply::kind::array;
  r->elements.resize(elements > 0 ? static_cast<std::size_t>(elements) : 0);
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  auto* r = slot_for(task);
  r->type = reply::kind::integer;
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) {
  return slot_for(task);  // a default reply is nil
}

void free_root(void* root) {
  delete static_cast<reply*>(root);
}

redisReplyObjectFunctions reply_functions{create_string, create_array, create_integer, create_nil,
                                          free_root};

}  // namespace

struct reply_reader::impl {
  redisReader* reader = redisReaderCreateWithFunctions(&reply_functions);
  ~impl() { redisReaderFree(reader); }
};

reply_reader::reply_reader() : impl_(std::make_unique<impl>()) {
  if (!impl_->reader) throw std::bad_alloc();
}
reply_reader::~reply_reader() = default;

void reply_reader::feed(std::string_view bytes) {
  if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK)
    throw protocol_error(std::string("redis reply: ") + impl_->reader->errstr);
}

std::optional<reply> reply_reader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK)
    throw protocol_error(std::string("redis reply: ") + impl_->reader->errstr);
  if (!raw) return std::nullopt;
  std::unique_ptr<reply> root(static_cast<reply*>(raw));
  return std::move(*root);
}

}  // namespace mcpxx::store::redis
