// A test suite whose tests share one expensive world (a namespace, nginx, a
// CA, published images), built once per test process before the first test and
// destroyed after the last one. World has `std::string setup()`, returning "" or
// what failed; every test then fails at once with that reason instead of each
// building its own world.
// Thread-safety: GoogleTest runs a suite's tests on one thread.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace aciswarm::test {

template <class World>
class SharedWorldTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        world_ = std::make_unique<World>();
        setup_error_ = world_->setup();
    }
    static void TearDownTestSuite() { world_.reset(); }
    void SetUp() override { ASSERT_EQ(setup_error_, "") << "test world setup failed"; }

    static inline std::unique_ptr<World> world_;
    static inline std::string setup_error_;
};

}  // namespace aciswarm::test
