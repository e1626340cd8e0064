// Bounded mutation fuzzing of the parsers that read untrusted bytes: the JSON-RPC
// codec (with the 2026 envelope check) and HTTP request parsing plus the header rules.
// Run under ASan+UBSan by the test command:  mcpxx-fuzz <jsonrpc|http> <corpus dir> <runs>
// Deterministic (fixed seed), so a failure reproduces; a crash or sanitizer report
// is the failure signal.
#include <mcpxx/protocol/envelope.hpp>
#include <mcpxx/protocol/jsonrpc.hpp>

#include "transport/http/header_rules.hpp"

#include <boost/beast/http.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace {

void fuzz_jsonrpc(const std::string& input) {
  auto body = mcpxx::protocol::parse_body(input);
  for (auto& m : body.messages) {
    auto* msg = std::get_if<mcpxx::protocol::message>(&m);
    if (!msg) continue;
    if (auto* r = std::get_if<mcpxx::protocol::request>(msg)) {
      (void)mcpxx::protocol::claims_modern_envelope(r->params);
      (void)mcpxx::protocol::read_envelope(r->params, std::string_view("2026-07-28"));
      (void)mcpxx::protocol::read_envelope(r->params, std::nullopt);
      (void)mcpxx::http_rules::expected_mcp_name(r->method, r->params);
    }
  }
}

void fuzz_http(const std::string& input) {
  namespace http = boost::beast::http;
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(input), ec);
  if (!parser.is_header_done()) return;
  auto& req = parser.get();
  for (auto& field : req) {
    auto v = std::string_view(field.value());
    (void)mcpxx::http_rules::decode_header_value(v);
    (void)mcpxx::http_rules::accepts_json_and_sse(v);
    (void)mcpxx::http_rules::host_allowed(v, {}, true);
    (void)mcpxx::http_rules::origin_allowed(v, {});
    (void)mcpxx::http_rules::is_json_content_type(v);
  }
  if (parser.is_done()) fuzz_jsonrpc(req.body());
}

std::string mutate(std::string s, std::mt19937_64& rng, const std::vector<std::string>& corpus) {
  static const char* tokens[] = {"{",     "}",         "[",      "]",        "\"",
                                 ":",     ",",         "null",   "true",     "-1",
                                 "1e999", "\\u0000",   "\r\n",   "\r\n\r\n", "=?base64?",
                                 "?=",    "\"_meta\"", "\"id\"", "\xff",     "%00"};
  int rounds = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < rounds; ++i) {
    std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
    switch (rng() % 6) {
      case 0:
        if (!s.empty() && pos < s.size()) s[pos] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:
        s.insert(pos, 1, static_cast<char>(rng() % 256));
        break;
      case 2:
        if (!s.empty() && pos < s.size()) s.erase(pos, 1 + rng() % 8);
        break;
      case 3:
        s.insert(pos, tokens[rng() % std::size(tokens)]);
        break;
      case 4: {
        auto& other = corpus[rng() % corpus.size()];
        if (!other.empty()) s.insert(pos, other.substr(rng() % other.size(), 1 + rng() % 32));
        break;
      }
      case 5:
        if (pos < s.size()) s.resize(pos);
        break;
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <jsonrpc|http> <corpus dir> <runs>\n", argv[0]);
    return 2;
  }
  std::string target = argv[1];
  auto run = target == "http" ? fuzz_http : fuzz_jsonrpc;
  std::vector<std::string> corpus;
  for (auto& entry : std::filesystem::directory_iterator(argv[2])) {
    std::ifstream in(entry.path(), std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "empty corpus: %s\n", argv[2]);
    return 2;
  }
  long runs = std::stol(argv[3]);
  std::mt19937_64 rng(0x6d637078);
  for (auto& seed : corpus) run(seed);
  for (long i = 0; i < runs; ++i) run(mutate(corpus[rng() % corpus.size()], rng, corpus));
  std::printf("fuzz %s: %zu seeds, %ld mutated inputs, no crash\n", target.c_str(), corpus.size(),
              runs);
  return 0;
}
