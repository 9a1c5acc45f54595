#include "config/store.h"

#include <gtest/gtest.h>

#include "config/address_pool.h"
#include "config/decode.h"

namespace torii::config {
namespace {

std::vector<Object> objs(const std::string& yaml) { return decodeManifests(yaml, "t").objects; }

TEST(ResourceStore, GenerationAndCreationTimestamp) {
  ResourceStore s;
  const std::string v1 =
      "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: n}\nspec: {ports: [{port: "
      "80}]}\n";
  const std::string v2 =
      "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: n, labels: {x: y}}\n"
      "spec: {ports: [{port: 81}]}\n";
  s.replace(objs(v1), "2026-01-01T00:00:00Z");
  EXPECT_EQ(metaOf(s.objects()[0]).generation, 1);
  EXPECT_EQ(metaOf(s.objects()[0]).creation_timestamp, "2026-01-01T00:00:00Z");
  s.replace(objs(v1), "2026-01-02T00:00:00Z");  // unchanged
  EXPECT_EQ(metaOf(s.objects()[0]).generation, 1);
  s.replace(objs(v2), "2026-01-03T00:00:00Z");  // spec changed
  EXPECT_EQ(metaOf(s.objects()[0]).generation, 2);
  EXPECT_EQ(metaOf(s.objects()[0]).creation_timestamp, "2026-01-01T00:00:00Z");
  s.replace({}, "2026-01-04T00:00:00Z");  // deleted, then back: a new object
  s.replace(objs(v2), "2026-01-05T00:00:00Z");
  EXPECT_EQ(metaOf(s.objects()[0]).generation, 1);
  EXPECT_EQ(metaOf(s.objects()[0]).creation_timestamp, "2026-01-05T00:00:00Z");
  s.replace(objs("apiVersion: v1\nkind: Service\nmetadata: {name: b, creationTimestamp: "
                 "'2020-01-01T00:00:00Z'}\n"),
            "2026-01-06T00:00:00Z");
  EXPECT_EQ(metaOf(s.objects()[0]).creation_timestamp, "2020-01-01T00:00:00Z");
}

TEST(ResourceStore, SameNameInTwoApiGroupsAreTwoObjects) {
  ResourceStore s;
  const std::string both = R"(
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: o, namespace: n}
spec: {priority: 1, poolRef: {name: p}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: o, namespace: n}
spec: {priority: 2, poolRef: {name: p}}
)";
  for (int i = 0; i < 3; ++i) {
    s.replace(objs(both), "2026-01-01T00:00:00Z");
    ASSERT_EQ(s.objects().size(), 2u);
    EXPECT_EQ(metaOf(s.objects()[0]).generation, 1);
    EXPECT_EQ(metaOf(s.objects()[1]).generation, 1);
  }
  EXPECT_EQ(groupKindOf(s.objects()[0]), "llm-d.ai/InferenceObjective");
  EXPECT_EQ(kindOf(s.objects()[0]), "InferenceObjective");
}

TEST(AddressPool, AssignKeepRelease) {
  auto p = AddressPool::parse("127.0.1.0/30");  // hosts .1 and .2
  ASSERT_TRUE(p.ok());
  auto a = p->assign({"ns/a", "ns/b", "ns/c"});
  EXPECT_EQ(a["ns/a"], "127.0.1.1");
  EXPECT_EQ(a["ns/b"], "127.0.1.2");
  EXPECT_EQ(a.count("ns/c"), 0u);  // pool exhausted
  auto b = p->assign({"ns/b", "ns/c"});
  EXPECT_EQ(b["ns/b"], "127.0.1.2");  // kept
  EXPECT_EQ(b["ns/c"], "127.0.1.1");  // freed by ns/a
  auto one = AddressPool::parse("10.0.0.5");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->assign({"x"})["x"], "10.0.0.5");
}

TEST(AddressPool, InvalidInput) {
  EXPECT_FALSE(AddressPool::parse("nope/24").ok());
  EXPECT_FALSE(AddressPool::parse("10.0.0.0/33").ok());
  EXPECT_FALSE(AddressPool::parse("10.0.0.0/").ok());
  EXPECT_FALSE(AddressPool::parse("10.0.0.0/x").ok());
}

}  // namespace
}  // namespace torii::config
