// Parsing of the one URL that configures Redis (see include/mcpxx/store/redis.hpp).
#include <mcpxx/store/redis.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <stdexcept>
#include <string_view>

namespace mcpxx::store {

namespace {

[[noreturn]] void fail(const std::string& url, const std::string& why) {
  // The URL may hold a password: name the problem, not the URL.
  (void)url;
  throw std::invalid_argument("Redis URL: " + why);
}

redis_address parse_address(const std::string& url, std::string_view text) {
  redis_address a;
  auto colon = text.rfind(':');
  if (text.empty()) fail(url, "empty host");
  if (colon == std::string_view::npos) {
    a.host = std::string(text);
    return a;
  }
  a.host = std::string(text.substr(0, colon));
  auto port = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
    fail(url, "bad port '" + std::string(port) + "'");
  if (a.host.empty()) fail(url, "empty host");
  a.port = static_cast<std::uint16_t>(value);
  return a;
}

int parse_database(const std::string& url, std::string_view text) {
  int db = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), db);
  if (ec != std::errc() || end != text.data() + text.size() || db < 0)
    fail(url, "bad database index '" + std::string(text) + "'");
  return db;
}

}  // namespace

redis_url redis_url::parse(const std::string& url) {
  redis_url out;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) fail(url, "missing scheme (redis://, rediss://, ...)");
  std::string_view scheme(url.data(), scheme_end);
  if (scheme == "redis") {
  } else if (scheme == "rediss") {
    out.tls = true;
  } else if (scheme == "redis+sentinel") {
    out.topology = redis_topology::sentinel;
  } else if (scheme == "redis+cluster") {
    out.topology = redis_topology::cluster;
  } else {
    fail(url, "unknown scheme '" + std::string(scheme) +
                  "' (redis, rediss, redis+sentinel, redis+cluster)");
  }

  // Several hosts are not a valid URL authority, so split by hand; Boost.URL decodes
  // the userinfo and query.
  std::string_view rest(url);
  rest.remove_prefix(scheme_end + 3);
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    // url_view points into its text: keep the text alive.
    const std::string text = "x://" + std::string(rest.substr(0, at)) + "@h";
    auto userinfo = boost::urls::parse_uri(text);
    if (!userinfo) fail(url, "bad user or password encoding");
    out.user = userinfo->user();
    out.password = userinfo->password();
    rest = rest.substr(at + 1);
  }
  while (!rest.empty()) {
    auto comma = rest.find(',');
    out.nodes.push_back(parse_address(url, rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (out.nodes.empty()) fail(url, "no host");
  if (out.topology == redis_topology::standalone && out.nodes.size() != 1)
    fail(url, "several hosts need redis+sentinel:// or redis+cluster://");

  if (out.topology == redis_topology::sentinel) {
    auto slash = path.find('/');
    out.primary_name = std::string(path.substr(0, slash));
    if (out.primary_name.empty()) fail(url, "redis+sentinel:// needs the primary's name as path");
    if (slash != std::string_view::npos) out.database = parse_database(url, path.substr(slash + 1));
  } else if (!path.empty()) {
    out.database = parse_database(url, path);
    if (out.topology == redis_topology::cluster && out.database != 0)
      fail(url, "Redis Cluster has only database 0");
  }

  if (!query.empty()) {
    const std::string text = "x://h/" + std::string(query);
    auto q = boost::urls::parse_uri(text);
    if (!q) fail(url, "bad query");
    for (auto param : q->params()) {
      if (param.key == "ca" && out.tls) {
        out.ca_file = param.value;
      } else {
        fail(url, "unknown parameter '" + std::string(param.key) + "'");
      }
    }
  }
  return out;
}

}  // namespace mcpxx::store
