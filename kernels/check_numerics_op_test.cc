#include <cmath>
#include <limits>

#include "core/kernel_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ops/array_ops.h"
#include "ops/math_ops.h"
#include "ops/numerics_ops.h"
#include "ops/reduction_ops.h"
#include "runtime/session.h"

namespace tessera {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::Status Check(std::vector<float> values) {
  return KernelTester("CheckNumerics")
      .Input(Tensor::FromVector(values))
      .Attr("message", std::string("after layer 3"))
      .Run()
      .status();
}

TEST(CheckNumericsTest, FiniteValuesPassThrough) {
  auto out = KernelTester("CheckNumerics")
                 .Input(Tensor::FromVector<double>({1.5, -2, 0}))
                 .Attr("message", std::string("m"))
                 .Run();
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)[0].flat<double>()[1], -2);
}

TEST(CheckNumericsTest, NanInfAndBothUseTfsWording) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_THAT(Check({1, nan}).message(),
              HasSubstr("after layer 3 : Tensor had NaN values"));
  EXPECT_THAT(Check({-inf, 2}).message(),
              HasSubstr("after layer 3 : Tensor had Inf values"));
  EXPECT_THAT(Check({inf, nan}).message(),
              HasSubstr("after layer 3 : Tensor had Inf and NaN values"));
  EXPECT_TRUE(absl::IsInvalidArgument(Check({nan})));
}

TEST(CheckNumericsTest, SessionErrorNamesTheNodeAndWhereItWasBuilt) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root, DT_FLOAT);
  Output y = ops::CheckNumerics(root.WithOpName("check_log"), ops::Log(root, x),
                                "log of the input");
  auto session = Session::Create(root);
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  ASSERT_TRUE((*session)->Run({{x, Tensor::FromVector<float>({1, 2})}}, {y}, &out).ok());
  absl::Status s =
      (*session)->Run({{x, Tensor::FromVector<float>({1, -1})}}, {y}, &out);
  EXPECT_THAT(s.message(), HasSubstr("check_log"));
  EXPECT_THAT(s.message(), HasSubstr("CheckNumerics"));
  EXPECT_THAT(s.message(), HasSubstr("check_numerics_op_test.cc"));
  EXPECT_THAT(s.message(), HasSubstr("log of the input : Tensor had NaN values"));
}

// SessionOptions::check_numerics: no CheckNumerics ops in the graph, yet the
// run stops at the node whose output first holds NaN/Inf (the Log, not the
// Mul and Sum after it), naming where it was built.
TEST(CheckNumericsTest, SessionOptionNamesTheFirstNodeThatMadeNanOrInf) {
  Scope root = Scope::NewRootScope();
  Output x = ops::Placeholder(root, DT_FLOAT);
  Output log = ops::Log(root.WithOpName("log_x"), x);
  Output scaled = ops::Mul(root.WithOpName("scaled"), log, ops::Const(root, 2.f));
  Output total = ops::Sum(root, scaled, ops::Const(root, 0));
  Output ok_branch = ops::Square(root, x);
  SessionOptions options;
  options.check_numerics = true;
  auto session = Session::Create(root, options);
  ASSERT_TRUE(session.ok());
  std::vector<Tensor> out;
  ASSERT_TRUE((*session)
                  ->Run({{x, Tensor::FromVector<float>({1, 2, 4})}},
                        {total, ok_branch}, &out)
                  .ok());
  absl::Status s = (*session)->Run(
      {{x, Tensor::FromVector<float>({1, 0, -1, 3})}}, {total, ok_branch}, &out);
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("node 'log_x' (op Log"));
  EXPECT_THAT(s.message(), HasSubstr("check_numerics_op_test.cc"));
  EXPECT_THAT(s.message(), HasSubstr("1 NaN and 1 Inf values (first at flat index 1)"));
  EXPECT_THAT(s.message(), Not(HasSubstr("scaled")));

  // Off by default: the same run returns the non-finite sum.
  auto plain = Session::Create(root);
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE((*plain)
                  ->Run({{x, Tensor::FromVector<float>({1, 0, -1, 3})}},
                        {total}, &out)
                  .ok());
  EXPECT_TRUE(std::isnan(out[0].scalar<float>()));
}

}  // namespace
}  // namespace tessera
