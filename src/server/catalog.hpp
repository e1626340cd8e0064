// The registry snapshot: immutable once published, so requests read it without locks.
#pragma once

#include <mcpxx/server/server.hpp>
#include <mcpxx/server/uri_template.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mcpxx {

struct server::catalog {
  // Name order makes tools/list deterministic, as 2026-07-28 asks.
  std::map<std::string, std::shared_ptr<const tool_definition>, std::less<>> tools;
  std::vector<std::shared_ptr<const resource_definition>> resources;  // registration order
  struct template_entry {
    uri_template matcher;
    std::shared_ptr<const resource_template_definition> definition;
  };
  std::vector<template_entry> templates;
  std::map<std::string, std::shared_ptr<const prompt_definition>, std::less<>> prompts;
  std::vector<std::shared_ptr<const completion_definition>> completions;
};

}  // namespace mcpxx
