// GPU-vs-CPU tests of the variable kernels and optimizer updates
// (training_ops_gpu.cc): the same sequence of VarHandleOp, AssignVariableOp,
// updates and ReadVariableOp runs on each device against its own
// ResourceMgr, and the variables must end up equal. Skipped when no GPU is
// present; the registration test at the end runs everywhere.
#include <cmath>
#include <string>
#include <vector>

#include "core/resource_mgr.h"
#include "core/status.h"
#include "gtest/gtest.h"
#include "kernels/gpu_vs_cpu_test.h"

namespace tessera {
namespace {

// One device's session state: its variables and the handles to them.
class VarSession {
 public:
  explicit VarSession(Device* device) : device_(device) {}

  // Creates variable `name` (VarHandleOp on the device) holding `value`.
  absl::StatusOr<Tensor> Create(const std::string& name, const Tensor& value) {
    AttrValueMap attrs;
    attrs["shared_name"] = MakeAttr(name);
    attrs["dtype"] = MakeAttr(value.dtype());
    attrs["shape"] = MakeAttr(PartialTensorShape(value.shape()));
    ASSIGN_OR_RETURN(auto handle, Run("VarHandleOp", attrs, {}));
    RETURN_IF_ERROR(Run("AssignVariableOp", {}, {{handle[0]}, {value}})
                        .status());
    return handle[0];
  }

  absl::StatusOr<std::vector<Tensor>> Run(const std::string& op,
                                          const AttrValueMap& attrs,
                                          const Args& args) {
    return RunKernel(device_, op, attrs, args, &rm_);
  }

  absl::StatusOr<Tensor> Read(const Tensor& handle, DataType dtype) {
    AttrValueMap attrs;
    attrs["dtype"] = MakeAttr(dtype);
    ASSIGN_OR_RETURN(auto out, Run("ReadVariableOp", attrs, {{handle}}));
    return out[0];
  }

 private:
  Device* device_;
  ResourceMgr rm_;
};

// Runs `steps` updates of `op` on both devices over variables created from
// `init`; `make_args(handles)` gives the update's inputs. Checks every
// variable after each step.
template <typename MakeArgs>
void CheckUpdates(Device* gpu, const std::string& op, const AttrList& attrs,
                  const std::vector<Tensor>& init, MakeArgs make_args,
                  int steps, double tol) {
  AttrValueMap attr_map;
  for (const auto& [k, v] : attrs) attr_map[k] = v;
  VarSession cpu_s(TestCpuDevice()), gpu_s(gpu);
  std::vector<Tensor> cpu_h, gpu_h;
  for (size_t i = 0; i < init.size(); ++i) {
    const std::string name = absl::StrCat("v", i);
    auto c = cpu_s.Create(name, init[i]);
    auto g = gpu_s.Create(name, init[i]);
    ASSERT_TRUE(c.ok() && g.ok()) << c.status() << " / " << g.status();
    cpu_h.push_back(*c);
    gpu_h.push_back(*g);
  }
  for (int step = 0; step < steps; ++step) {
    SCOPED_TRACE(absl::StrCat(op, " step ", step));
    auto want = cpu_s.Run(op, attr_map, make_args(cpu_h, step));
    auto got = gpu_s.Run(op, attr_map, make_args(gpu_h, step));
    if (!want.ok()) {
      ASSERT_FALSE(got.ok()) << "CPU failed with " << want.status();
      EXPECT_EQ(got.status().code(), want.status().code()) << got.status();
      return;
    }
    ASSERT_TRUE(got.ok()) << got.status();
    for (size_t i = 0; i < init.size(); ++i) {
      auto c = cpu_s.Read(cpu_h[i], init[i].dtype());
      auto g = gpu_s.Read(gpu_h[i], init[i].dtype());
      ASSERT_TRUE(c.ok() && g.ok()) << c.status() << " / " << g.status();
      std::string why;
      EXPECT_TRUE(TensorsNear(*g, *c, tol, &why)) << "variable " << i << why;
    }
  }
}

const std::vector<TensorShape>& VarShapes() {
  static const auto* shapes = new std::vector<TensorShape>{
      TensorShape({}), TensorShape({0}), TensorShape({5}),
      TensorShape({3, 7, 11}), TensorShape({10007})};
  return *shapes;
}

template <typename T>
Tensor S(double v) {
  return Tensor::Scalar<T>(static_cast<T>(v));
}

template <typename T>
void CheckOptimizers(Device* gpu, double tol) {
  for (const TensorShape& s : VarShapes()) {
    auto grad = [s](int step) { return Random<T>(s, -1, 1, 11 + step); };
    CheckUpdates(gpu, "ResourceApplyGradientDescent", {},
                 {Random<T>(s, -1, 1)},
                 [&](const std::vector<Tensor>& h, int step) -> Args {
                   return {{h[0]}, {S<T>(0.1)}, {grad(step)}};
                 },
                 3, tol);
    for (bool nesterov : {false, true}) {
      const AttrList attrs = {{"use_nesterov", MakeAttr(nesterov)}};
      CheckUpdates(gpu, "ResourceApplyMomentum", attrs,
                   {Random<T>(s, -1, 1), Random<T>(s, 0, 1, 2)},
                   [&](const std::vector<Tensor>& h, int step) -> Args {
                     return {{h[0]}, {h[1]}, {S<T>(0.05)}, {grad(step)},
                             {S<T>(0.9)}};
                   },
                   3, tol);
      CheckUpdates(gpu, "ResourceApplyAdam", attrs,
                   {Random<T>(s, -1, 1), Random<T>(s, -0.1, 0.1, 2),
                    Random<T>(s, 0, 0.01, 3)},
                   [&](const std::vector<Tensor>& h, int step) -> Args {
                     const double b1p = std::pow(0.9, step + 1);
                     const double b2p = std::pow(0.999, step + 1);
                     return {{h[0]}, {h[1]}, {h[2]}, {S<T>(b1p)}, {S<T>(b2p)},
                             {S<T>(0.01)}, {S<T>(0.9)}, {S<T>(0.999)},
                             {S<T>(1e-7)}, {grad(step)}};
                   },
                   3, tol);
    }
  }
}

TEST_F(GpuKernelsTest, OptimizersFloat) { CheckOptimizers<float>(gpu_, 1e-5); }
TEST_F(GpuKernelsTest, OptimizersDouble) {
  CheckOptimizers<double>(gpu_, 1e-12);
}

TEST_F(GpuKernelsTest, AssignAddAndSub) {
  for (const TensorShape& s : VarShapes()) {
    for (const char* op : {"AssignAddVariableOp", "AssignSubVariableOp"}) {
      const AttrList f = {{"dtype", MakeAttr(DT_FLOAT)}};
      CheckUpdates(gpu_, op, f, {Random<float>(s, -1, 1)},
                   [&](const std::vector<Tensor>& h, int step) -> Args {
                     return {{h[0]}, {Random<float>(s, -1, 1, 7 + step)}};
                   },
                   2, 1e-6);
      const AttrList i = {{"dtype", MakeAttr(DT_INT64)}};
      CheckUpdates(gpu_, op, i, {Random<int64_t>(s, -100, 100)},
                   [&](const std::vector<Tensor>& h, int step) -> Args {
                     return {{h[0]}, {Random<int64_t>(s, -9, 9, 7 + step)}};
                   },
                   2, 0);
    }
  }
}

TEST_F(GpuKernelsTest, VariableErrorsMatchTheCpu) {
  const TensorShape s({4, 3});
  // A gradient of the wrong shape.
  CheckUpdates(gpu_, "ResourceApplyGradientDescent", {},
               {Random<float>(s, -1, 1)},
               [](const std::vector<Tensor>& h, int) -> Args {
                 return {{h[0]}, {S<float>(0.1)},
                         {Random<float>(TensorShape({3, 4}), -1, 1)}};
               },
               1, 0);
  // A non-scalar learning rate.
  CheckUpdates(gpu_, "ResourceApplyMomentum",
               {{"use_nesterov", MakeAttr(false)}},
               {Random<double>(s, -1, 1), Random<double>(s, -1, 1)},
               [s](const std::vector<Tensor>& h, int) -> Args {
                 return {{h[0]}, {h[1]}, {Random<double>(s, 0, 1)},
                         {Random<double>(s, -1, 1)}, {S<double>(0.9)}};
               },
               1, 0);
  // Reading a variable that was never assigned.
  for (Device* d : {TestCpuDevice(), gpu_}) {
    VarSession session(d);
    AttrValueMap attrs;
    attrs["shared_name"] = MakeAttr("never_assigned");
    attrs["dtype"] = MakeAttr(DT_FLOAT);
    attrs["shape"] = MakeAttr(PartialTensorShape({2}));
    auto handle = session.Run("VarHandleOp", attrs, {});
    ASSERT_TRUE(handle.ok()) << handle.status();
    auto read = session.Read((*handle)[0], DT_FLOAT);
    EXPECT_EQ(read.status().code(), absl::StatusCode::kFailedPrecondition)
        << d->name() << ": " << read.status();
  }
}

TEST(GpuKernelRegistrationTest, VariableHandlesAreHostMemory) {
  struct Case {
    const char* op;
    std::vector<std::pair<std::string, DataType>> types;
    std::vector<std::string> host_args;
  };
  const Case cases[] = {
      {"VarHandleOp", {{"dtype", DT_FLOAT}}, {"resource"}},
      {"ReadVariableOp", {{"dtype", DT_FLOAT}}, {"resource"}},
      {"AssignVariableOp", {{"dtype", DT_DOUBLE}}, {"resource"}},
      {"AssignAddVariableOp", {{"dtype", DT_FLOAT}}, {"resource"}},
      {"AssignSubVariableOp", {{"dtype", DT_INT64}}, {"resource"}},
      {"ResourceApplyGradientDescent", {{"T", DT_FLOAT}}, {"var"}},
      {"ResourceApplyMomentum", {{"T", DT_DOUBLE}}, {"var", "accum"}},
      {"ResourceApplyAdam", {{"T", DT_FLOAT}}, {"var", "m", "v"}},
  };
  for (const Case& c : cases) {
    const KernelDef* k = FindGpuKernel(c.op, c.types);
    ASSERT_NE(k, nullptr) << c.op;
    EXPECT_EQ(k->host_memory_args, c.host_args) << c.op;
  }
}

}  // namespace
}  // namespace tessera
