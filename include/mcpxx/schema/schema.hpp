// Typed tool arguments and results: plain structs described with Boost.Describe become a JSON
// Schema (schema_of), are filled from JSON with located errors (decode), and are turned back
// into JSON (encode). See traits.hpp for the supported types and the MCPXX_DEFAULTS and
// MCPXX_DESCRIPTIONS macros.
#pragma once

#include "mcpxx/schema/decode.hpp"
#include "mcpxx/schema/encode.hpp"
#include "mcpxx/schema/schema_of.hpp"
#include "mcpxx/schema/traits.hpp"
