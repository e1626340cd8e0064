// Redis configuration that needs no server: the URL grammar and Cluster key hashing.
#include <mcpxx/store/redis.hpp>

#include "store/redis/client.hpp"

#include <gtest/gtest.h>

namespace {

using mcpxx::store::redis_address;
using mcpxx::store::redis_topology;
using mcpxx::store::redis_url;

TEST(RedisUrl, Standalone) {
  auto u = redis_url::parse("redis://127.0.0.1:6380/2");
  EXPECT_EQ(u.topology, redis_topology::standalone);
  EXPECT_FALSE(u.tls);
  ASSERT_EQ(u.nodes.size(), 1u);
  EXPECT_EQ(u.nodes[0], (redis_address{"127.0.0.1", 6380}));
  EXPECT_EQ(u.database, 2);
  EXPECT_EQ(redis_url::parse("redis://cache").nodes[0].port, 6379);
}

TEST(RedisUrl, CredentialsArePercentDecoded) {
  auto u = redis_url::parse("rediss://app:p%40ss%3Aword@redis.example:6390?ca=%2Fetc%2Fca.pem");
  EXPECT_TRUE(u.tls);
  EXPECT_EQ(u.user, "app");
  EXPECT_EQ(u.password, "p@ss:word");
  EXPECT_EQ(u.ca_file, "/etc/ca.pem");
  EXPECT_EQ(u.nodes[0], (redis_address{"redis.example", 6390}));
  auto password_only = redis_url::parse("redis://:secret@h:1");
  EXPECT_EQ(password_only.user, "");
  EXPECT_EQ(password_only.password, "secret");
}

TEST(RedisUrl, SentinelNamesThePrimary) {
  auto u = redis_url::parse("redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster/3");
  EXPECT_EQ(u.topology, redis_topology::sentinel);
  ASSERT_EQ(u.nodes.size(), 2u);
  EXPECT_EQ(u.nodes[1], (redis_address{"10.0.0.2", 26379}));
  EXPECT_EQ(u.primary_name, "mymaster");
  EXPECT_EQ(u.database, 3);
}

TEST(RedisUrl, ClusterSeeds) {
  auto u = redis_url::parse("redis+cluster://a:7000,b:7001,c:7002");
  EXPECT_EQ(u.topology, redis_topology::cluster);
  EXPECT_EQ(u.nodes.size(), 3u);
}

TEST(RedisUrl, MistakesAreNamed) {
  auto error_of = [](const std::string& url) {
    try {
      redis_url::parse(url);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("http://h:1").find("unknown scheme"), std::string::npos);
  EXPECT_NE(error_of("h:6379").find("missing scheme"), std::string::npos);
  EXPECT_NE(error_of("redis://h:99999").find("bad port"), std::string::npos);
  EXPECT_NE(error_of("redis://h:1,g:2").find("several hosts"), std::string::npos);
  EXPECT_NE(error_of("redis+sentinel://h:1").find("primary's name"), std::string::npos);
  EXPECT_NE(error_of("redis+cluster://h:1/4").find("database 0"), std::string::npos);
  EXPECT_NE(error_of("redis://h:1/x").find("database index"), std::string::npos);
  EXPECT_NE(error_of("redis://h:1?bogus=1").find("unknown parameter"), std::string::npos);
  // The password never appears in the message.
  EXPECT_EQ(error_of("redis://:hunter2@h:0").find("hunter2"), std::string::npos);
}

TEST(RedisKeySlot, MatchesRedisCluster) {
  // Values from CLUSTER KEYSLOT on Redis 7.
  EXPECT_EQ(mcpxx::store::redis::key_slot("foo"), 12182);
  EXPECT_EQ(mcpxx::store::redis::key_slot("123456789"), 12739);
  EXPECT_EQ(mcpxx::store::redis::key_slot(""), 0);
  // A hash tag picks the slot, so a session's keys live together.
  EXPECT_EQ(mcpxx::store::redis::key_slot("mcpxx:mcp-session-{abc}"),
            mcpxx::store::redis::key_slot("abc"));
  EXPECT_EQ(mcpxx::store::redis::key_slot("{user1000}.following"),
            mcpxx::store::redis::key_slot("{user1000}.followers"));
  // An empty tag is no tag.
  EXPECT_EQ(mcpxx::store::redis::key_slot("foo{}{bar}"), 8363);
}

}  // namespace
