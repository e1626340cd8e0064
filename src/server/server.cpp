#include "server/catalog.hpp"

#include <mcpxx/server/server.hpp>
#include <mcpxx/store/memory.hpp>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <thread>
#include <utility>

namespace mcpxx {

namespace json = boost::json;

namespace {

std::size_t worker_count(std::size_t configured) {
  if (configured) return configured;
  return std::max<std::size_t>(2, std::thread::hardware_concurrency());
}

}  // namespace

tool_result tool_result::text(std::string_view t) {
  tool_result r;
  r.content.push_back(content::text(t));
  return r;
}

tool_result tool_result::error(std::string_view message) {
  tool_result r = text(message);
  r.is_error = true;
  return r;
}

tool_result tool_result::structured(json::value value) {
  tool_result r = text(json::serialize(value));
  r.structured_content = std::move(value);
  return r;
}

json::object prompt_message(std::string_view role, json::object content) {
  return {{"role", role}, {"content", std::move(content)}};
}

server::server(server_options options)
    : options_(std::move(options)),
      workers_(worker_count(options_.worker_threads)),
      state_codec_(options_.state_key, options_.state_lifetime),
      nonces_(std::make_shared<store::memory_nonce_store>()),
      results_(std::make_shared<store::memory_cache>()),
      catalog_(std::make_shared<const catalog>()) {
  server_info_ = {{"name", options_.name}, {"version", options_.version}};
  if (!options_.title.empty()) server_info_["title"] = options_.title;
  if (!options_.description.empty()) server_info_["description"] = options_.description;
}

server::~server() {
  workers_.join();
}

void server::publish(std::shared_ptr<const catalog> next, std::string_view changed_kind) {
  catalog_.store(std::move(next));
  for (auto& [id, listener] : listeners_) listener(changed_kind);
}

server::listener_id server::on_list_changed(list_changed_listener listener) {
  std::lock_guard lock(write_mutex_);
  listeners_.emplace_back(next_listener_, std::move(listener));
  return next_listener_++;
}

server::listener_id server::on_resource_updated(resource_updated_listener listener) {
  std::lock_guard lock(write_mutex_);
  resource_listeners_.emplace_back(next_listener_, std::move(listener));
  return next_listener_++;
}

void server::remove_listener(listener_id id) {
  // Listeners run under this lock: none is running once it is taken.
  std::lock_guard lock(write_mutex_);
  std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
  std::erase_if(resource_listeners_, [id](const auto& l) { return l.first == id; });
}

std::shared_ptr<store::nonce_store> server::set_nonce_store(
    std::shared_ptr<store::nonce_store> nonces) {
  if (!nonces) throw std::invalid_argument("nonce store must not be null");
  return std::exchange(nonces_, std::move(nonces));
}

std::shared_ptr<store::cache> server::set_result_cache(std::shared_ptr<store::cache> results) {
  if (!results) throw std::invalid_argument("result cache must not be null");
  return std::exchange(results_, std::move(results));
}

void server::notify_resource_updated(std::string_view uri) {
  std::lock_guard lock(write_mutex_);
  for (auto& [id, listener] : resource_listeners_) listener(uri);
}

void server::add_tool(tool_definition tool) {
  if (tool.name.empty()) throw std::invalid_argument("tool name must not be empty");
  if (!tool.handler && !tool.async_handler)
    throw std::invalid_argument("tool " + tool.name + " has no handler");
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  auto name = tool.name;
  next->tools[name] = std::make_shared<const tool_definition>(std::move(tool));
  publish(std::move(next), "tools");
}

bool server::remove_tool(std::string_view name) {
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  auto it = next->tools.find(name);
  if (it == next->tools.end()) return false;
  next->tools.erase(it);
  publish(std::move(next), "tools");
  return true;
}

void server::add_resource(resource_definition resource) {
  if (!resource.read) throw std::invalid_argument("resource " + resource.uri + " has no reader");
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  auto& list = next->resources;
  std::erase_if(list, [&](auto& r) { return r->uri == resource.uri; });
  list.push_back(std::make_shared<const resource_definition>(std::move(resource)));
  publish(std::move(next), "resources");
}

bool server::remove_resource(std::string_view uri) {
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  if (std::erase_if(next->resources, [&](auto& r) { return r->uri == uri; }) == 0) return false;
  publish(std::move(next), "resources");
  return true;
}

void server::add_resource_template(resource_template_definition tmpl) {
  if (!tmpl.read) throw std::invalid_argument("template " + tmpl.uri_template + " has no reader");
  uri_template matcher(tmpl.uri_template);
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  std::erase_if(next->templates,
                [&](auto& t) { return t.definition->uri_template == tmpl.uri_template; });
  next->templates.push_back(
      {std::move(matcher), std::make_shared<const resource_template_definition>(std::move(tmpl))});
  publish(std::move(next), "resources");
}

void server::add_prompt(prompt_definition prompt) {
  if (!prompt.get) throw std::invalid_argument("prompt " + prompt.name + " has no handler");
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  auto name = prompt.name;
  next->prompts[name] = std::make_shared<const prompt_definition>(std::move(prompt));
  publish(std::move(next), "prompts");
}

bool server::remove_prompt(std::string_view name) {
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  auto it = next->prompts.find(name);
  if (it == next->prompts.end()) return false;
  next->prompts.erase(it);
  publish(std::move(next), "prompts");
  return true;
}

void server::add_completion(completion_definition completion) {
  std::lock_guard lock(write_mutex_);
  auto next = std::make_shared<catalog>(*catalog_.load());
  next->completions.push_back(std::make_shared<const completion_definition>(std::move(completion)));
  catalog_.store(std::move(next));
}

std::shared_ptr<const tool_definition> server::find_tool(std::string_view name) const {
  auto cat = catalog_.load();
  auto it = cat->tools.find(name);
  return it == cat->tools.end() ? nullptr : it->second;
}

json::object server::capabilities() const {
  // Changes reach clients on the legacy GET stream and on 2026 listen streams.
  return {{"tools", json::object{{"listChanged", true}}},
          {"resources", json::object{{"subscribe", true}, {"listChanged", true}}},
          {"prompts", json::object{{"listChanged", true}}},
          {"completions", json::object{}},
          {"logging", json::object{}}};
}

}  // namespace mcpxx
