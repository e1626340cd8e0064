#include "resp.hpp"

#include <hiredis/hiredis.h>

#include <cstddef>
#include <utility>

namespace mcpxx::store::redis {

void format_command(const command& cmd, std::string& out) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(cmd.size());
  lens.reserve(cmd.size());
  for (const auto& arg : cmd) {
    argv.push_back(arg.data());
    lens.push_back(arg.size());
  }
  char* buf = nullptr;
  int n = redisFormatCommandArgv(&buf, static_cast<int>(argv.size()), argv.data(), lens.data());
  if (n < 0 || buf == nullptr) throw std::bad_alloc();
  out.append(buf, static_cast<std::size_t>(n));
  redisFreeCommand(buf);
}

namespace {

reply convert(const redisReply& r) {
  reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:
      out.type = reply::kind::nil;
  }
  return out;
}

}  // namespace

struct reply_reader::impl {
  redisReader* reader = redisReaderCreate();
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
  auto* r = static_cast<redisReply*>(raw);
  reply out = convert(*r);
  freeReplyObject(r);
  return out;
}

}  // namespace mcpxx::store::redis
