#include "core/tensor.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace tessera {
namespace {

TEST(TensorShapeTest, BasicsAndProto) {
  TensorShape s({2, 3, 4});
  EXPECT_EQ(s.dims(), 3);
  EXPECT_EQ(s.num_elements(), 24);
  EXPECT_EQ(s.DebugString(), "[2,3,4]");
  ::tensorflow::TensorShapeProto p;
  s.AsProto(&p);
  EXPECT_EQ(TensorShape::FromProto(p).value(), s);
  EXPECT_FALSE(TensorShape::FromDims({2, -1}).ok());
  EXPECT_FALSE(TensorShape::FromDims({int64_t{1} << 40, int64_t{1} << 40}).ok());
}

// A zero dim used to hide an overflowing product of the other dims, whose
// sub-shapes (an IDX record) then overflowed num_elements (idx_fuzzer under
// UBSan, docs/reliability.md).
TEST(TensorShapeTest, ZeroDimDoesNotHideOverflow) {
  const int64_t big = int64_t{1} << 40;
  EXPECT_FALSE(TensorShape::FromDims({0, big, big}).ok());
  EXPECT_FALSE(TensorShape::FromDims({big, 0, big}).ok());
  auto empty = TensorShape::FromDims({0, int64_t{1} << 31, 4});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->num_elements(), 0);
  TensorShape record = *empty;
  record.RemoveDim(0);
  EXPECT_EQ(record.num_elements(), int64_t{1} << 33);
}

TEST(PartialTensorShapeTest, UnknownDimsAndRank) {
  PartialTensorShape unknown;
  EXPECT_TRUE(unknown.unknown_rank());
  EXPECT_EQ(unknown.DebugString(), "<unknown>");
  PartialTensorShape p({-1, 3});
  EXPECT_EQ(p.DebugString(), "[?,3]");
  EXPECT_FALSE(p.IsFullyDefined());
  EXPECT_EQ(p.num_elements(), -1);
  EXPECT_TRUE(p.IsCompatibleWith(TensorShape({5, 3})));
  EXPECT_FALSE(p.IsCompatibleWith(TensorShape({5, 4})));
  EXPECT_FALSE(p.IsCompatibleWith(PartialTensorShape({1, 2, 3})));
  EXPECT_TRUE(unknown.IsCompatibleWith(p));
  auto merged = p.MergeWith(PartialTensorShape({7, -1}));
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(merged->DebugString(), "[7,3]");
  EXPECT_FALSE(p.MergeWith(PartialTensorShape({7, 4})).ok());
  ::tensorflow::TensorShapeProto proto;
  p.AsProto(&proto);
  EXPECT_TRUE(PartialTensorShape::FromProto(proto)->IsIdenticalTo(p));
  unknown.AsProto(&proto);
  EXPECT_TRUE(proto.unknown_rank());
}

// Found by tests/fuzz:tensor_proto_fuzzer: a corrupt dtype enum in a
// TensorProto (here -1 or INT32_MAX) made DataTypeString recurse until the
// stack overflowed. It must name the value instead.
TEST(TensorTest, CorruptDtypeEnumIsAnError) {
  EXPECT_EQ(DataTypeString(static_cast<DataType>(2147483647)),
            "unknown dtype enum (2147483547)_ref");
  EXPECT_EQ(DataTypeString(static_cast<DataType>(-1)), "unknown dtype enum (-1)");
  EXPECT_EQ(DataTypeString(::tensorflow::DT_FLOAT_REF), "float_ref");
  ::tensorflow::TensorProto proto;
  ASSERT_TRUE(proto.ParseFromString(std::string("\x08\xff\xff\xff\xff\x01", 6)));
  absl::Status s = Tensor::FromProto(proto).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("unknown dtype enum"), std::string::npos) << s;
}

// Also from the fuzzer: a TensorProto of a reference dtype (uint8_ref) was
// accepted through tensor_content, giving a tensor no encoding can write
// back. TensorFlow rejects ref dtypes in a TensorProto; so does Tessera.
TEST(TensorTest, RefDtypeTensorProtoIsAnError) {
  ::tensorflow::TensorProto proto;
  proto.set_dtype(::tensorflow::DT_UINT8_REF);
  proto.set_tensor_content(std::string(1, '\x07'));
  absl::Status s = Tensor::FromProto(proto).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("uint8_ref"), std::string::npos) << s;
}

// From the fuzzer under UBSan: tensor_content bytes other than 0/1 were
// copied into bool storage (undefined behaviour when read). Nonzero is true.
TEST(TensorTest, BoolTensorContentIsNormalized) {
  ::tensorflow::TensorProto proto;
  proto.set_dtype(::tensorflow::DT_BOOL);
  proto.mutable_tensor_shape()->add_dim()->set_size(2);
  proto.set_tensor_content(std::string("\x01\x09", 2));
  auto t = Tensor::FromProto(proto);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->SummarizeValue(), "[true true]");
  // A size mismatch is caught before allocating, even for a huge shape.
  proto.mutable_tensor_shape()->mutable_dim(0)->set_size(int64_t{1} << 50);
  absl::Status s = Tensor::FromProto(proto).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_NE(s.message().find("tensor_content has 2 bytes"), std::string::npos) << s;
}

TEST(TensorTest, AlignedRefcountedBuffers) {
  Tensor t(DT_FLOAT, TensorShape({4, 3}));
  ASSERT_TRUE(t.IsInitialized());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  for (int i = 0; i < 12; ++i) t.data<float>()[i] = static_cast<float>(i);
  Tensor copy = t;  // shares
  EXPECT_TRUE(copy.SharesBufferWith(t));
  Tensor deep = t.DeepCopy();
  EXPECT_FALSE(deep.SharesBufferWith(t));
  EXPECT_EQ(deep.data<float>()[11], 11.0f);
}

TEST(TensorTest, SliceSharesBuffer) {
  Tensor t = Tensor::FromVector<int32_t>({0, 1, 2, 3, 4, 5}, TensorShape({3, 2}));
  auto s = t.Slice(1, 3);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->shape(), TensorShape({2, 2}));
  EXPECT_EQ(s->data<int32_t>()[0], 2);
  EXPECT_TRUE(s->SharesBufferWith(t));
  s->data<int32_t>()[0] = 42;
  EXPECT_EQ(t.data<int32_t>()[2], 42);
  EXPECT_FALSE(t.Slice(2, 4).ok());
  EXPECT_FALSE(Tensor::Scalar(1.0f).Slice(0, 1).ok());
}

TEST(TensorTest, SubSliceDropsDimZeroAndSharesBuffer) {
  Tensor t = Tensor::FromVector<float>({0, 1, 2, 3, 4, 5}, TensorShape({3, 2}));
  auto row = t.SubSlice(2);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->shape(), TensorShape({2}));
  EXPECT_EQ(row->data<float>()[1], 5);
  EXPECT_TRUE(row->SharesBufferWith(t));
  auto scalar = Tensor::FromVector<int64_t>({7, 8}).SubSlice(1);
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->dims(), 0);
  EXPECT_EQ(scalar->scalar<int64_t>(), 8);
  EXPECT_EQ(t.SubSlice(3).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_FALSE(t.SubSlice(-1).ok());
  EXPECT_FALSE(Tensor::Scalar(1.0f).SubSlice(0).ok());
}

TEST(TensorTest, ReshapedChecksElementCount) {
  Tensor t(DT_DOUBLE, TensorShape({2, 3}));
  EXPECT_TRUE(t.Reshaped(TensorShape({3, 2})).ok());
  auto bad = t.Reshaped(TensorShape({4}));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TensorTest, StringTensors) {
  Tensor t(DT_STRING, TensorShape({2}));
  t.data<tstring>()[0] = "hello";
  t.data<tstring>()[1] = std::string(100, 'x');
  Tensor copy = t.DeepCopy();
  EXPECT_EQ(copy.data<tstring>()[1].size(), 100u);
  ::tensorflow::TensorProto p;
  t.AsProtoTensorContent(&p);
  auto back = Tensor::FromProto(p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data<tstring>()[0], "hello");
}

TEST(TensorTest, ResourceHandleTensors) {
  Tensor t(DT_RESOURCE, TensorShape());
  ASSERT_TRUE(t.IsInitialized());
  t.scalar<ResourceHandle>() = ResourceHandle{"/cpu:0", "c", "dense/kernel", "Var"};
  Tensor copy = t.DeepCopy();
  EXPECT_EQ(copy.scalar<ResourceHandle>().name, "dense/kernel");
  ::tensorflow::TensorProto p;
  t.AsProtoTensorContent(&p);
  ASSERT_EQ(p.resource_handle_val_size(), 1);
  auto back = Tensor::FromProto(p);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->scalar<ResourceHandle>(), t.scalar<ResourceHandle>());
  EXPECT_EQ(t.SummarizeValue(), "<Var c/dense/kernel>");
}

TEST(TensorTest, ProtoRoundTripAllNumericTypes) {
  for (DataType dt : {DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_INT8,
                      DT_UINT8, DT_INT16, DT_UINT16, DT_BOOL, DT_HALF,
                      DT_BFLOAT16, DT_UINT32, DT_UINT64, DT_COMPLEX64}) {
    Tensor t(dt, TensorShape({3}));
    VisitDataType(dt, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, tstring>) {
        for (int i = 0; i < 3; ++i) t.data<T>()[i] = static_cast<T>(i % 2 + 1);
      }
    });
    for (bool content : {true, false}) {
      ::tensorflow::TensorProto p;
      content ? t.AsProtoTensorContent(&p) : t.AsProtoField(&p);
      auto back = Tensor::FromProto(p);
      ASSERT_TRUE(back.ok()) << DataTypeString(dt) << back.status();
      EXPECT_EQ(back->DebugString(), t.DebugString()) << DataTypeString(dt);
    }
  }
}

TEST(TensorTest, ProtoRepeatsLastValueAndRejectsBadContent) {
  ::tensorflow::TensorProto p;
  p.set_dtype(DT_FLOAT);
  p.mutable_tensor_shape()->add_dim()->set_size(4);
  p.add_float_val(7.0f);
  auto t = Tensor::FromProto(p);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->SummarizeValue(), "[7 7 7 7]");
  p.clear_float_val();
  p.set_tensor_content("abc");  // 3 bytes for 4 floats
  EXPECT_EQ(Tensor::FromProto(p).status().code(),
            absl::StatusCode::kInvalidArgument);
  p.clear_tensor_content();
  for (int i = 0; i < 5; ++i) p.add_float_val(1);
  EXPECT_FALSE(Tensor::FromProto(p).ok());
}

TEST(TensorTest, SummarizeNested) {
  Tensor t = Tensor::FromVector<int32_t>({1, 2, 3, 4}, TensorShape({2, 2}));
  EXPECT_EQ(t.SummarizeValue(), "[[1 2] [3 4]]");
  EXPECT_EQ(t.DebugString(),
            "Tensor<type: int32 shape: [2,2] values: [[1 2] [3 4]]>");
  EXPECT_EQ(Tensor::Scalar(true).SummarizeValue(), "true");
}

TEST(TensorTest, AllocationFailureIsAStatus) {
  LimitedCpuAllocator small(1024);
  auto ok = Tensor::Allocate(&small, DT_FLOAT, TensorShape({16}));
  EXPECT_TRUE(ok.ok());
  auto big = Tensor::Allocate(&small, DT_FLOAT, TensorShape({1024}));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find("[1024]"), std::string::npos);
}

TEST(DataTypeTest, NamesAndSizes) {
  EXPECT_EQ(DataTypeString(DT_FLOAT), "float");
  EXPECT_EQ(DataTypeString(MakeRefType(DT_INT32)), "int32_ref");
  EXPECT_EQ(DataTypeFromString("int64").value(), DT_INT64);
  EXPECT_EQ(DataTypeFromString("DT_BOOL").value(), DT_BOOL);
  EXPECT_FALSE(DataTypeFromString("floaty").ok());
  EXPECT_EQ(DataTypeSize(DT_HALF), 2);
  EXPECT_EQ(DataTypeSize(DT_COMPLEX128), 16);
  EXPECT_EQ(DataTypeSize(DT_STRING), 0);
}

}  // namespace
}  // namespace tessera
