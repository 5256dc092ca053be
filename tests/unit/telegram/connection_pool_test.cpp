#include "telegram/connection_pool.h"

#include <gtest/gtest.h>

#include <memory>

namespace topicdesk::telegram {
namespace {

std::unique_ptr<ClientConnection> connection() { return std::make_unique<ClientConnection>(); }

TEST(ConnectionPoolTest, GivesBackTheConnectionOfTheSameTarget) {
  ConnectionPool pool(4);
  auto a = connection();
  auto* a_address = a.get();
  pool.give_back(std::move(a), "https://a:443");
  pool.give_back(connection(), "https://b:443");
  EXPECT_EQ(pool.idle(), 2u);
  EXPECT_EQ(pool.take("https://a:443").get(), a_address);
  EXPECT_EQ(pool.take("https://a:443"), nullptr);
  EXPECT_NE(pool.take("https://b:443"), nullptr);
  EXPECT_EQ(pool.idle(), 0u);
}

TEST(ConnectionPoolTest, KeepsAtMostTheLimitPerTarget) {
  ConnectionPool pool(2);
  for (int i = 0; i < 5; ++i) pool.give_back(connection());
  for (int i = 0; i < 5; ++i) pool.give_back(connection(), "other");
  EXPECT_EQ(pool.idle(), 4u);
  EXPECT_NE(pool.take(), nullptr);
  EXPECT_NE(pool.take(), nullptr);
  EXPECT_EQ(pool.take(), nullptr);
}

TEST(ConnectionPoolTest, ALimitOfZeroKeepsNothing) {
  ConnectionPool pool(0);
  pool.give_back(connection());
  EXPECT_EQ(pool.idle(), 0u);
  EXPECT_EQ(pool.take(), nullptr);
}

}  // namespace
}  // namespace topicdesk::telegram
