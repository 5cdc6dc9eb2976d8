// Gradient-checker cases for the math, reduction, matrix, array, shape and
// slice ops (see tests/gradient_checker.h).
#include "tests/gradient_checker.h"

#include "ops/array_ops.h"
#include "ops/linalg_ops.h"
#include "ops/math_ops.h"
#include "ops/numerics_ops.h"
#include "ops/shape_ops.h"
#include "ops/slice_ops.h"

namespace tessera {
namespace {

std::vector<GradCase> ElementwiseCases() {
  std::vector<GradCase> cases;
  int seed = 1;
  for (const char* op : {"Add", "AddV2", "Sub", "Mul", "Div", "RealDiv",
                         "Maximum", "Minimum", "SquaredDifference"}) {
    // Same shape, row broadcast and a [2,1] x [1,3] outer broadcast.
    cases.push_back({op, Binary(op), {Random(S({2, 3}), 0.5, 2, seed++),
                                      Random(S({2, 3}), 0.5, 2, seed++)}});
    cases.push_back({op, Binary(op), {Random(S({2, 3}), 0.5, 2, seed++),
                                      Random(S({3}), 0.5, 2, seed++)}});
    cases.push_back({op, Binary(op), {Random(S({2, 1}), 0.5, 2, seed++),
                                      Random(S({1, 3}), 0.5, 2, seed++)}});
  }
  // Away from y == 0, where DivNoNan jumps and finite differences blow up.
  cases.push_back({"DivNoNan", Binary("DivNoNan"), {Random(S({2, 3}), 0.5, 2, seed++),
                                                    Random(S({3}), 0.5, 2, seed++)}});
  cases.push_back({"Pow", Binary("Pow"), {Random(S({2, 3}), 0.5, 2, seed++),
                                          Random(S({3}), -1, 2, seed++)}});
  for (const char* op : {"Neg", "Exp", "Square", "Tanh", "Sigmoid", "Sin", "Cos"}) {
    cases.push_back({op, Unary(op), {Random(S({2, 3}), -2, 2, seed++)}});
  }
  for (const char* op : {"Abs", "Log", "Sqrt", "Rsqrt", "Reciprocal"}) {
    cases.push_back({op, Unary(op), {Random(S({2, 3}), 0.5, 2, seed++)}});
  }
  cases.push_back({"Cast", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Cast(s, ops::Cast(s, x[0], DT_FLOAT), DT_DOUBLE);
                   }), {Random(S({4}), -1, 1, seed++)}, 1e-4, false, 1e-2});
  cases.push_back({"AddN", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::AddN(s, {x[0], x[1], x[0]});
                   }), {Random(S({2, 2}), -1, 1, seed++), Random(S({2, 2}), -1, 1, seed++)}});
  Tensor cond = Tensor::FromVector<bool>({true, false, true, false, false, true},
                                         S({2, 3}));
  cases.push_back({"Select", With([cond](const Scope& s, const std::vector<Output>& x) {
                     return ops::Select(s, cond, x[0], x[1]);
                   }), {Random(S({2, 3}), -1, 1, seed++), Random(S({2, 3}), -1, 1, seed++)}});
  Tensor row = Tensor::FromVector<bool>({true, false, true});
  cases.push_back({"SelectV2", With([row](const Scope& s, const std::vector<Output>& x) {
                     return ops::SelectV2(s, row, x[0], x[1]);
                   }), {Random(S({2, 3}), -1, 1, seed++), Random(S({1, 3}), -1, 1, seed++)}});
  return cases;
}

std::vector<GradCase> LinalgAndReductionCases() {
  std::vector<GradCase> cases;
  int seed = 100;
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    cases.push_back({"MatMul", With([=](const Scope& s, const std::vector<Output>& x) {
                       return ops::MatMul(s, x[0], x[1], ta, tb);
                     }), {Random(ta ? S({3, 2}) : S({2, 3}), -1, 1, seed++),
                          Random(tb ? S({4, 3}) : S({3, 4}), -1, 1, seed++)}});
  }
  cases.push_back({"BatchMatMulV2", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::BatchMatMulV2(s, x[0], x[1], false, true);
                   }), {Random(S({2, 2, 3}), -1, 1, seed++), Random(S({4, 3}), -1, 1, seed++)}});
  for (const char* op : {"Sum", "Mean", "Max", "Min"}) {
    for (bool keep : {false, true}) {
      for (std::vector<int32_t> axes : {std::vector<int32_t>{1}, {-1, 0}}) {
        cases.push_back({op, With([=](const Scope& s, const std::vector<Output>& x) {
                           AttrValueMap attrs;
                           attrs["keep_dims"] = MakeAttr(keep);
                           return Raw(s, op, {x[0], I32(axes)}, attrs);
                         }), {Random(S({2, 3, 2}), -1, 1, seed++)}});
      }
    }
  }
  return cases;
}

std::vector<GradCase> ArrayCases() {
  std::vector<GradCase> cases;
  int seed = 200;
  auto x23 = [&] { return Random(S({2, 3}), -1, 1, seed++); };
  cases.push_back({"Identity", Unary("Identity"), {x23()}});
  cases.push_back({"CheckNumerics", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::CheckNumerics(s, x[0], "grad case");
                   }), {x23()}});
  cases.push_back({"PlaceholderWithDefault", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::PlaceholderWithDefault(s, x[0], PartialTensorShape());
                   }), {x23()}});
  cases.push_back({"Reshape", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Reshape(s, x[0], {3, -1});
                   }), {x23()}});
  cases.push_back({"ExpandDims", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::ExpandDims(s, x[0], 1);
                   }), {x23()}});
  cases.push_back({"Squeeze", Unary("Squeeze"), {Random(S({2, 1, 3}), -1, 1, seed++)}});
  cases.push_back({"Transpose", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Transpose(s, x[0], {2, 0, 1});
                   }), {Random(S({2, 3, 4}), -1, 1, seed++)}});
  cases.push_back({"ConcatV2", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::ConcatV2(s, {x[0], x[1], x[0]}, -1);
                   }), {x23(), Random(S({2, 1}), -1, 1, seed++)}, 1e-6, true});
  cases.push_back({"Split", [](const Scope& s, const std::vector<Output>& x) {
                     return ops::Split(s, 1, x[0], 2);
                   }, {Random(S({2, 4}), -1, 1, seed++)}});
  cases.push_back({"SplitV", [](const Scope& s, const std::vector<Output>& x) {
                     return ops::SplitV(s, x[0], I32({1, -1}), 0, 2);
                   }, {Random(S({3, 2}), -1, 1, seed++)}});
  cases.push_back({"Pack", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Pack(s, {x[0], x[1]}, 1);
                   }), {x23(), x23()}});
  cases.push_back({"Unpack", [](const Scope& s, const std::vector<Output>& x) {
                     return ops::Unpack(s, x[0], 3, 1);
                   }, {x23()}, 1e-6, true});
  cases.push_back({"Slice", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Slice(s, x[0], {1, 0}, {1, 2});
                   }), {Random(S({3, 3}), -1, 1, seed++)}});
  cases.push_back({"StridedSlice", With([](const Scope& s, const std::vector<Output>& x) {
                     // x[::-2, 1]
                     return ops::StridedSlice(s, x[0], {0, 1}, {0, 2}, {-2, 1}, 1, 1, 0, 0, 2);
                   }), {Random(S({5, 3}), -1, 1, seed++)}});
  cases.push_back({"GatherV2", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::GatherV2(s, x[0], Tensor::FromVector<int32_t>({2, 0, 2, 1}, S({2, 2})), 0);
                   }), {Random(S({3, 2}), -1, 1, seed++)}, 1e-6, true});
  cases.push_back({"GatherV2", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::GatherV2(s, x[0], I32({1, 1, 0}), 1);
                   }), {Random(S({2, 3, 2}), -1, 1, seed++)}, 1e-6, true});
  cases.push_back({"Tile", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Tile(s, x[0], {2, 1, 3});
                   }), {Random(S({2, 1, 2}), -1, 1, seed++)}});
  cases.push_back({"Pad", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Pad(s, x[0], {{1, 0}, {2, 1}});
                   }), {x23()}});
  cases.push_back({"PadV2", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::PadV2(s, x[0], {{0, 1}, {1, 1}}, 0.5);
                   }), {x23()}});
  cases.push_back({"Fill", With([](const Scope& s, const std::vector<Output>& x) {
                     return ops::Fill(s, {2, 3}, x[0]);
                   }), {Random(S({}), -1, 1, seed++)}});
  return cases;
}

REGISTER_GRAD_CASES(ElementwiseCases);
REGISTER_GRAD_CASES(LinalgAndReductionCases);
REGISTER_GRAD_CASES(ArrayCases);

}  // namespace
}  // namespace tessera
