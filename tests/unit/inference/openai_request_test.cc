#include "inference/openai_request.h"

#include <gtest/gtest.h>

#include <string>

namespace torii::inference {
namespace {

// The span recorded for "model" must be exactly the JSON string token, quotes included.
std::string modelToken(std::string_view body, const OpenAiRequest& r) {
  return std::string(body.substr(r.model_offset, r.model_length));
}

TEST(OpenAiRequest, ChatCompletions) {
  std::string body =
      R"({"messages":[{"role":"system","content":"Be brief."},)"
      R"({"role":"user","content":[{"type":"text","text":"Hello "},)"
      R"({"type":"image_url","image_url":{"url":"x"}},{"text":"world","type":"text"}]},)"
      R"({"role":"assistant","content":null,"tool_calls":[]}],)"
      R"( "model" :  "llama-3"  , "stream": true, "max_tokens": 5})";
  auto r = parseOpenAiRequest("/v1/chat/completions", body);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->model, "llama-3");
  EXPECT_EQ(modelToken(body, *r), "\"llama-3\"");
  EXPECT_EQ(r->model_offset, body.find("\"llama-3\""));
  EXPECT_EQ(r->model_length, 9u);
  EXPECT_TRUE(r->stream);
  EXPECT_EQ(r->prompt, "<|system|>\nBe brief.\n<|user|>\nHello world\n<|assistant|>\n\n");
}

TEST(OpenAiRequest, Completions) {
  auto r = parseOpenAiRequest("/v1/completions", R"({"model":"m","prompt":"Once upon a time"})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->prompt, "Once upon a time");
  EXPECT_FALSE(r->stream);
  r = parseOpenAiRequest("/v1/completions?x=1", R"({"prompt":["ab","cd"],"model":"m"})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->prompt, "abcd");
  r = parseOpenAiRequest("/v1/completions", R"({"model":"m","prompt":[1,2,3],"stream":null})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->prompt, "");  // token ids: nothing to hash by characters
  EXPECT_FALSE(r->stream);
  // The chat renderer is not applied to completions and vice versa.
  r = parseOpenAiRequest("/v1/completions", R"({"model":"m","messages":[{"role":"u"}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->prompt, "");
}

TEST(OpenAiRequest, Responses) {
  auto r = parseOpenAiRequest(
      "/v1/responses", R"({"input":"What is 2+2?","model":"gpt","instructions":"Answer tersely"})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->prompt, "<|system|>\nAnswer tersely\nWhat is 2+2?");
  r = parseOpenAiRequest("/prefix/v1/responses/",
                         R"({"model":"gpt","input":[{"type":"message","role":"user","content":)"
                         R"([{"type":"input_text","text":"hi"}]},{"type":"function_call_output",)"
                         R"("call_id":"c","output":"42"},{"role":"assistant","content":"yo"}]})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->prompt, "<|user|>\nhi\n<|assistant|>\nyo\n");
  r = parseOpenAiRequest("/v1/responses", R"({"model":"gpt","input":5})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "input must be a string or an array");
}

TEST(OpenAiRequest, OtherPathsReadOnlyTheModel) {
  auto r = parseOpenAiRequest("/v1/embeddings", R"({"model":"e5","input":"text","prompt":"p"})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->model, "e5");
  EXPECT_EQ(r->prompt, "");
}

TEST(OpenAiRequest, MissingModel) {
  std::string body = R"({"prompt":"x"})";
  auto r = parseOpenAiRequest("/v1/completions", body);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->model, "");
  EXPECT_EQ(r->model_offset, 0u);
  EXPECT_EQ(r->model_length, 0u);
}

TEST(OpenAiRequest, EscapedModel) {
  std::string body = R"({"model":"a\"b\u00e9\\"})";
  auto r = parseOpenAiRequest("/v1/chat/completions", body);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->model, "a\"b\xc3\xa9\\");
  EXPECT_EQ(modelToken(body, *r), R"("a\"b\u00e9\\")");
  // An escaped key is still "model".
  r = parseOpenAiRequest("/v1/chat/completions", R"({"mod\u0065l":"k"})");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->model, "k");
}

TEST(OpenAiRequest, ClientErrors) {
  struct Case {
    std::string path, body, error;
  };
  const Case cases[] = {
      {"/v1/chat/completions", "", "request body is empty"},
      {"/v1/chat/completions", " \n ", "request body is empty"},
      {"/v1/chat/completions", "{", "request body is not valid JSON"},
      {"/v1/chat/completions", "{\"model\":\"m\"", "request body is not valid JSON"},
      {"/v1/chat/completions", "{\"model\":\"m}", "request body is not valid JSON"},
      {"/v1/chat/completions", "{\"model\":\"m\"} x", "request body is not valid JSON"},
      {"/v1/chat/completions", "{\"model\":\"m\"}{}", "request body is not valid JSON"},
      {"/v1/chat/completions", "{model:\"m\"}", "request body is not valid JSON"},
      {"/v1/chat/completions", "{\"model\":\"\xff\xfe\"}", "request body is not valid JSON"},
      {"/v1/chat/completions", "[1,2]", "request body must be a JSON object"},
      {"/v1/chat/completions", "\"model\"", "request body must be a JSON object"},
      {"/v1/chat/completions", "{\"model\":7}", "model must be a string"},
      {"/v1/chat/completions", "{\"model\":null}", "model must be a string"},
      {"/v1/chat/completions", "{\"model\":[\"a\"]}", "model must be a string"},
      {"/v1/chat/completions", "{\"model\":\"a\",\"model\":\"b\"}", "model must appear only once"},
      {"/v1/chat/completions", "{\"model\":\"a\",\"stream\":\"yes\"}", "stream must be a boolean"},
      {"/v1/chat/completions", "{\"model\":\"a\",\"messages\":{}}", "messages must be an array"},
      {"/v1/chat/completions", "{\"model\":\"a\",\"messages\":[3]}",
       "each message must be an object"},
      {"/v1/chat/completions", "{\"model\":\"a\",\"messages\":[{\"role\":1}]}",
       "message role must be a string"},
  };
  for (const Case& c : cases) {
    auto r = parseOpenAiRequest(c.path, c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error(), c.error) << c.body;
  }
}

TEST(OpenAiRequest, HostileInputDoesNotCrash) {
  // Deep nesting in fields we do not read is skipped iteratively (no recursion, no limit): the
  // document is valid JSON and the model server decides what it thinks of it.
  std::string deep =
      "{\"model\":\"m\",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = parseOpenAiRequest("/v1/chat/completions", deep);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->model, "m");
  // Deep nesting inside message content: non-text parts are skipped the same way.
  std::string deep_content = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[" +
                             std::string(5000, '[') + std::string(5000, ']') + "]}]}";
  r = parseOpenAiRequest("/v1/chat/completions", deep_content);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->prompt, "<|user|>\n\n");
  // Unbalanced deep nesting is an error.
  r = parseOpenAiRequest("/v1/chat/completions",
                         "{\"model\":\"m\",\"x\":" + std::string(100000, '[') + "}");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "request body is not valid JSON");
  // NUL bytes inside and after the document.
  std::string nul("{\"model\":\"m\"}\0\0", 15);
  r = parseOpenAiRequest("/v1/chat/completions", nul);
  EXPECT_FALSE(r.ok());
  // Every truncation of a valid body fails cleanly or parses.
  std::string body =
      R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi\n"}]}],"stream":false})";
  for (size_t i = 0; i < body.size(); ++i) {
    auto t = parseOpenAiRequest("/v1/chat/completions", body.substr(0, i));
    EXPECT_FALSE(t.ok()) << i;
  }
  auto full = parseOpenAiRequest("/v1/chat/completions", body);
  ASSERT_TRUE(full.ok()) << full.error();
  EXPECT_EQ(full->prompt, "<|user|>\nhi\n\n");
  // A large prompt.
  std::string big = "{\"model\":\"m\",\"prompt\":\"" + std::string(1 << 20, 'a') + "\"}";
  r = parseOpenAiRequest("/v1/completions", big);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->prompt.size(), size_t(1) << 20);
}

TEST(OpenAiRequest, ReplaceModel) {
  std::string body = R"({"messages":[], "model" : "old" ,"n":1})";
  auto r = parseOpenAiRequest("/v1/chat/completions", body);
  ASSERT_TRUE(r.ok()) << r.error();
  std::string out = replaceModel(body, *r, "new\"one\\\n\x01");
  EXPECT_EQ(out, R"({"messages":[], "model" : "new\"one\\\n\u0001" ,"n":1})");
  auto again = parseOpenAiRequest("/v1/chat/completions", out);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->model, "new\"one\\\n\x01");
  EXPECT_EQ(replaceModel(out, *again, "x"), R"({"messages":[], "model" : "x" ,"n":1})");
  // Escaped original value: the whole token is replaced.
  std::string esc = R"({"model":"a\"b"})";
  r = parseOpenAiRequest("/v1/completions", esc);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(replaceModel(esc, *r, "lora-1"), R"({"model":"lora-1"})");
}

TEST(OpenAiRequest, ReplaceModelInsertsWhenAbsent) {
  std::string body = "  {\"prompt\":\"p\"}";
  auto r = parseOpenAiRequest("/v1/completions", body);
  ASSERT_TRUE(r.ok());
  std::string out = replaceModel(body, *r, "m\"");
  EXPECT_EQ(out, "  {\"model\":\"m\\\"\",\"prompt\":\"p\"}");
  auto again = parseOpenAiRequest("/v1/completions", out);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->model, "m\"");
  EXPECT_EQ(again->prompt, "p");

  body = "{ \n}";
  r = parseOpenAiRequest("/v1/completions", body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(replaceModel(body, *r, "m"), "{\"model\":\"m\" \n}");
  EXPECT_EQ(replaceModel("", OpenAiRequest{}, "m"), "{\"model\":\"m\"}");
}

}  // namespace
}  // namespace torii::inference
