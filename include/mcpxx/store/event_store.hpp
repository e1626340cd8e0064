// SSE resumability: the events sent on a stream are kept for a while, so that a client
// that reconnects with Last-Event-ID gets what it missed instead of losing it.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mcpxx::store {

struct event {
  std::string id;    // as returned by append(); what the SSE `id:` field carries
  std::string data;  // the payload exactly as appended

  friend bool operator==(const event&, const event&) = default;
};

struct replay {
  std::string stream_id;      // the stream last_event_id belongs to
  std::vector<event> events;  // that stream's events after last_event_id, oldest first
};

// Stores the events of SSE streams. A stream is named by an opaque caller-chosen
// string (the transport encodes session and stream in it) and comes into existence
// with its first append.
//
// Thread safety: every method may be called concurrently from any thread and never
// blocks the event loop beyond a short critical section or one network round trip.
// string_view arguments must stay valid until the returned awaitable completes.
//
// Event ids: unique across all streams of the store and over its lifetime, and they
// encode the stream, so replay_after() needs nothing but the id. They are non-empty
// printable ASCII (0x21-0x7E), so they are valid in an SSE `id:` field. Their format is
// private to the implementation; callers treat them as opaque.
//
// Durability: append() returns the id only once the event is stored, so an id that
// reached a client is replayable for as long as the bounds below keep the event.
//
// Bounds: each stream keeps at most a fixed number of events (a ring: the oldest are
// dropped first), and a stream expires a fixed TTL after its last append (replays do
// not extend it). An expired stream is gone with all its events; a later append to the
// same stream id starts a new stream whose ids share nothing with the old one.
//
// Security: the id passed to replay_after() is untrusted client text. Garbage, ids
// from another store (for a store in memory: another process), and ids of erased or
// expired streams yield nullopt, never another stream's events by accident. But anyone can craft a
// well-formed id that names any stream, so the caller MUST check that replay::stream_id belongs to
// the requesting session before sending the events.
class event_store {
 public:
  virtual ~event_store() = default;

  // Appends an event to the stream and returns its id (see Durability).
  virtual boost::asio::awaitable<std::string> append(std::string_view stream_id,
                                                     std::string data) = 0;

  // The events of last_event_id's stream that follow it, in append order; an empty list
  // when the client is up to date. nullopt when the id is garbled or unknown, when its
  // stream was erased or expired, or when events after it were already dropped by the
  // ring bound (the client cannot resume without a gap, so it must start over).
  virtual boost::asio::awaitable<std::optional<replay>> replay_after(
      std::string_view last_event_id) = 0;

  // Drops the stream and its events (e.g. when its session ends). Unknown ids are fine.
  virtual boost::asio::awaitable<void> erase_stream(std::string_view stream_id) = 0;
};

}  // namespace mcpxx::store
