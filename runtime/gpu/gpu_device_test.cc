// GPU device tests. Those marked "any machine" run in every --config=cuda
// build; the rest skip cleanly where cudaGetDeviceCount fails or is 0.
#include "runtime/gpu/gpu_device.h"

#include <cstring>
#include <random>

#include "gtest/gtest.h"
#include "core/gpu/gpu_status.h"
#include "core/tensor.h"

namespace tessera {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

#define SKIP_WITHOUT_GPU()                                                 \
  if (GpuDeviceCount() == 0) {                                             \
    GTEST_SKIP() << "no GPU: cudaGetDeviceCount failed or returned 0";     \
  }

std::unique_ptr<GpuDevice> MakeDevice() {
  auto d = GpuDevice::Create(0, 0, GpuOptions());
  EXPECT_TRUE(d.ok()) << d.status();
  return d.ok() ? *std::move(d) : nullptr;
}

// Host tensor of `dt` with random contents (0/1 for bool).
Tensor RandomTensor(DataType dt, const TensorShape& shape, std::mt19937* rng,
                    Allocator* allocator = CpuAllocator()) {
  Tensor t(allocator, dt, shape);
  auto* p = static_cast<unsigned char*>(t.raw_data());
  for (size_t i = 0; i < t.TotalBytes(); ++i) {
    p[i] = dt == DT_BOOL ? (*rng)() % 2 : (*rng)() % 256;
  }
  return t;
}

bool SameBytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         a.TotalBytes() == b.TotalBytes() &&
         (a.TotalBytes() == 0 ||
          std::memcmp(a.raw_data(), b.raw_data(), a.TotalBytes()) == 0);
}

absl::Status FailingCall() {
  CUDA_RETURN_IF_ERROR(cudaErrorInvalidValue, "GPU:7");
  return absl::OkStatus();
}

TEST(GpuStatusTest, NamesTheCallAndDevice) {  // any machine
  absl::Status s = FailingCall();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.message().find("GPU:7: cudaErrorInvalidValue failed: "
                             "cudaErrorInvalidValue"),
            std::string::npos)
      << s;
  s = GpuCallStatus(cudaErrorMemoryAllocation, "cudaMalloc(&p, n)", "GPU:0");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("cudaMalloc(&p, n)"), std::string::npos) << s;
  s = GpuCallStatus(CUBLAS_STATUS_ALLOC_FAILED, "cublasCreate", "GPU:1");
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("CUBLAS_STATUS_ALLOC_FAILED"), std::string::npos)
      << s;
  s = GpuCallStatus(CUDNN_STATUS_BAD_PARAM, "cudnnSetStream", "GPU:1");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.message().find("GPU:1: cudnnSetStream failed: CUDNN_STATUS_BAD"),
            std::string::npos)
      << s;
  EXPECT_TRUE(GpuCallStatus(cudaSuccess, "x", "y").ok());
}

TEST(GpuDeviceFactoryTest, OneDevicePerGpuOrNone) {  // any machine
  const int count = GpuDeviceCount();
  std::vector<std::unique_ptr<Device>> devices;
  ASSERT_TRUE(DeviceFactory::AddDevices(DeviceOptions(), &devices).ok());
  ASSERT_EQ(devices.size(), 1u + count);
  EXPECT_EQ(devices[0]->device_type(), kDeviceCpu);
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(devices[1 + i]->name(),
              "/job:localhost/replica:0/task:0/device:GPU:" +
                  std::to_string(i));
    EXPECT_EQ(devices[1 + i]->device_type(), kDeviceGpu);
    EXPECT_FALSE(devices[1 + i]->memory_is_host());
    EXPECT_NE(devices[1 + i]->gpu_context(), nullptr);
  }
  DeviceOptions cpu_only;
  cpu_only.device_count["GPU"] = 0;
  devices.clear();
  ASSERT_TRUE(DeviceFactory::AddDevices(cpu_only, &devices).ok());
  EXPECT_EQ(devices.size(), 1u);
}

TEST(GpuDeviceFactoryTest, VisibleDeviceList) {  // any machine
  EXPECT_EQ(*ParseVisibleDeviceList("", 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(*ParseVisibleDeviceList("2,0", 3), (std::vector<int>{2, 0}));
  EXPECT_TRUE(ParseVisibleDeviceList("", 0)->empty());
  for (const char* bad : {"3", "-1", "a", "0,,1", "0,0", "1;2"}) {
    auto ids = ParseVisibleDeviceList(bad, 3);
    ASSERT_FALSE(ids.ok()) << bad;
    EXPECT_EQ(ids.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(ids.status().message().find(bad), std::string::npos)
        << ids.status();
  }
}

TEST(GpuMemoryLimitTest, FractionOrFreeMinusReserve) {  // any machine
  const size_t total = size_t{16} << 30, free = size_t{15} << 30;
  GpuOptions o;
  EXPECT_EQ(*GpuMemoryLimit(o, free, total), free - free / 20);
  EXPECT_EQ(*GpuMemoryLimit(o, 1024 * kMiB, total), 768 * kMiB);
  o.per_process_gpu_memory_fraction = 0.25;
  EXPECT_EQ(*GpuMemoryLimit(o, free, total), total / 4);
  o.per_process_gpu_memory_fraction = 1.5;
  EXPECT_EQ(GpuMemoryLimit(o, free, total).status().code(),
            absl::StatusCode::kInvalidArgument);
  o.per_process_gpu_memory_fraction = -0.1;
  EXPECT_FALSE(GpuMemoryLimit(o, free, total).ok());
  o.per_process_gpu_memory_fraction = 0;
  EXPECT_EQ(GpuMemoryLimit(o, 100 * kMiB, total).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(GpuDeviceTest, Basics) {
  SKIP_WITHOUT_GPU();
  auto d = MakeDevice();
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->name(), "/job:localhost/replica:0/task:0/device:GPU:0");
  EXPECT_EQ(d->device_type(), kDeviceGpu);
  EXPECT_FALSE(d->memory_is_host());
  EXPECT_EQ(d->intra_op_pool(), nullptr);
  EXPECT_EQ(d->allocator()->Name(), "GPU_0_bfc");
  EXPECT_EQ(d->host_allocator()->Name(), "gpu_host_bfc");
  GpuContext* ctx = d->gpu_context();
  ASSERT_NE(ctx, nullptr);
  EXPECT_NE(ctx->compute_stream, nullptr);
  EXPECT_NE(ctx->cublas, nullptr);
  EXPECT_NE(ctx->cudnn, nullptr);
  EXPECT_EQ(ctx->device_allocator, d->allocator());
  EXPECT_GT(ctx->multiprocessor_count, 0);
  cudaStream_t bound = nullptr;
  ASSERT_EQ(cublasGetStream(ctx->cublas, &bound), CUBLAS_STATUS_SUCCESS);
  EXPECT_EQ(bound, ctx->compute_stream);
  EXPECT_TRUE(d->Sync().ok());
}

TEST(GpuDeviceTest, CopiesRoundTripEveryNumericDtype) {
  SKIP_WITHOUT_GPU();
  auto d = MakeDevice();
  ASSERT_NE(d, nullptr);
  std::mt19937 rng(7);
  for (DataType dt : AllValueTypes()) {
    if (DataTypeIsObject(dt)) continue;
    for (const TensorShape& shape :
         {TensorShape({}), TensorShape({0}), TensorShape({3, 0, 2}),
          TensorShape({7}), TensorShape({33, 17}), TensorShape({1 << 18})}) {
      SCOPED_TRACE(DataTypeString(dt) + " " + shape.DebugString());
      for (Allocator* source_allocator : {CpuAllocator(), d->host_allocator()}) {
        Tensor host = RandomTensor(dt, shape, &rng, source_allocator);
        auto dev = d->CopyFromHost(host);
        ASSERT_TRUE(dev.ok()) << dev.status();
        EXPECT_EQ(dev->allocator(), d->allocator());
        if (dev->TotalBytes() > 0) {
          cudaPointerAttributes attr;
          ASSERT_EQ(cudaPointerGetAttributes(&attr, dev->raw_data()),
                    cudaSuccess);
          EXPECT_EQ(attr.type, cudaMemoryTypeDevice);
        }
        // Overwrite the source: the copy must not depend on it any more.
        if (host.TotalBytes() > 0) {
          std::memset(host.raw_data(), 0, host.TotalBytes());
        }
        Tensor expected = RandomTensor(dt, shape, &rng);
        dev = d->CopyFromHost(expected);
        ASSERT_TRUE(dev.ok());
        auto back = d->CopyToHost(*dev);
        ASSERT_TRUE(back.ok()) << back.status();
        EXPECT_TRUE(SameBytes(*back, expected));
      }
    }
  }
}

TEST(GpuDeviceTest, CopiesSlicesAndAreOrderedWithTheComputeStream) {
  SKIP_WITHOUT_GPU();
  auto d = MakeDevice();
  ASSERT_NE(d, nullptr);
  std::mt19937 rng(3);
  Tensor whole = RandomTensor(DT_FLOAT, TensorShape({64, 1000}), &rng);
  Tensor rows = *whole.Slice(10, 50);
  auto dev = d->CopyFromHost(rows);
  ASSERT_TRUE(dev.ok());
  // A compute-stream write right after the copy lands after it...
  cudaStream_t s = d->gpu_context()->compute_stream;
  ASSERT_EQ(cudaMemsetAsync(dev->raw_data(), 0x5A, 4000, s), cudaSuccess);
  // ...and CopyToHost sees it without an explicit Sync.
  auto back = d->CopyToHost(*dev);
  ASSERT_TRUE(back.ok());
  auto* b = static_cast<unsigned char*>(back->raw_data());
  for (int i = 0; i < 4000; ++i) ASSERT_EQ(b[i], 0x5A) << i;
  EXPECT_EQ(std::memcmp(b + 4000, static_cast<char*>(rows.raw_data()) + 4000,
                        rows.TotalBytes() - 4000),
            0);
}

TEST(GpuDeviceTest, ObjectTensorsStayOnTheHost) {
  SKIP_WITHOUT_GPU();
  auto d = MakeDevice();
  ASSERT_NE(d, nullptr);
  Tensor s(DT_STRING, TensorShape({2}));
  auto dev = d->CopyFromHost(s);
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(dev.status().message().find("device:GPU:0"), std::string::npos);
  EXPECT_NE(dev.status().message().find("host memory"), std::string::npos);
  EXPECT_FALSE(d->CopyToHost(Tensor(DT_VARIANT, TensorShape({}))).ok());
  EXPECT_FALSE(d->CopyFromHost(Tensor()).ok());
}

TEST(GpuDeviceTest, AllocationStats) {
  SKIP_WITHOUT_GPU();
  auto d = MakeDevice();
  ASSERT_NE(d, nullptr);
  AllocatorStats before = d->allocator()->GetStats();
  EXPECT_GT(before.bytes_limit, 0);
  {
    auto t = Tensor::Allocate(d->allocator(), DT_FLOAT, TensorShape({1 << 18}));
    ASSERT_TRUE(t.ok());
    AllocatorStats during = d->allocator()->GetStats();
    EXPECT_EQ(during.num_allocs, before.num_allocs + 1);
    EXPECT_EQ(during.bytes_in_use, before.bytes_in_use + int64_t{1 << 20});
    EXPECT_GE(during.peak_bytes_in_use, during.bytes_in_use);
    EXPECT_GE(during.largest_alloc_size, int64_t{1 << 20});
    EXPECT_GE(during.bytes_reserved, during.bytes_in_use);
  }
  EXPECT_EQ(d->allocator()->GetStats().bytes_in_use, before.bytes_in_use);
}

TEST(GpuDeviceTest, AllowGrowthVersusFraction) {
  SKIP_WITHOUT_GPU();
  size_t free = 0, total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free, &total), cudaSuccess);
  GpuOptions o;
  o.per_process_gpu_memory_fraction = 0.01;
  ASSERT_EQ(*GpuMemoryLimit(o, free, total), static_cast<size_t>(total * 0.01));
  const size_t limit = 64 * kMiB;
  BfcAllocator::Options growth;
  growth.allow_growth = true;
  BfcAllocator grown(std::make_unique<GpuMemorySubAllocator>(0), limit, growth);
  EXPECT_EQ(grown.GetStats().bytes_reserved, 0);
  void* p = grown.AllocateRaw(256, kMiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(grown.GetStats().bytes_reserved,
            static_cast<int64_t>(BfcAllocator::kInitialGrowthRegion));
  BfcAllocator::Options upfront;
  upfront.allow_growth = false;
  BfcAllocator reserved(std::make_unique<GpuMemorySubAllocator>(0), limit,
                        upfront);
  EXPECT_EQ(reserved.GetStats().bytes_reserved, static_cast<int64_t>(limit));
  // Memory from either is usable device memory.
  ASSERT_EQ(cudaMemset(p, 1, kMiB), cudaSuccess);
  grown.DeallocateRaw(p, kMiB);
}

TEST(GpuDeviceTest, OutOfMemoryIsAnErrorNotACrash) {
  SKIP_WITHOUT_GPU();
  auto d = MakeDevice();
  ASSERT_NE(d, nullptr);
  const size_t total = d->resources().total_memory;
  EXPECT_EQ(d->allocator()->AllocateRaw(256, 2 * total), nullptr);
  auto t = Tensor::Allocate(d->allocator(), DT_FLOAT,
                            TensorShape({static_cast<int64_t>(total)}));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(t.status().message().find("GPU_0_bfc"), std::string::npos)
      << t.status();
  BfcAllocator small(std::make_unique<GpuMemorySubAllocator>(0), 4 * kMiB,
                     BfcAllocator::Options());
  EXPECT_EQ(small.AllocateRaw(256, 8 * kMiB), nullptr);
  void* fits = small.AllocateRaw(256, 2 * kMiB);
  EXPECT_NE(fits, nullptr);
  small.DeallocateRaw(fits, 2 * kMiB);
  // The device still works afterwards.
  std::mt19937 rng(1);
  Tensor host = RandomTensor(DT_INT32, TensorShape({100}), &rng);
  auto back = d->CopyToHost(*d->CopyFromHost(host));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(SameBytes(*back, host));
}

}  // namespace
}  // namespace tessera
