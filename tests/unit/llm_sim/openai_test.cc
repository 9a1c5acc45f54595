#include "llm-sim/openai.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace torii::llmsim {
namespace {

namespace json = boost::json;

TEST(OpenAi, ParsesChatRequest) {
  auto r = parseCompletionRequest(
      R"({"model":"m","messages":[{"role":"system","content":"be brief"},
          {"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url"}]}],
          "stream":true,"stream_options":{"include_usage":false},"max_tokens":5,
          "max_completion_tokens":7,"ignore_eos":true})",
      Api::kChat);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->model, "m");
  EXPECT_EQ(r->prompt_text, "<|system|>\nbe brief\n<|user|>\nhi\n<|assistant|>\n");
  EXPECT_EQ(r->echo_text, "hi");
  EXPECT_TRUE(r->stream);
  EXPECT_FALSE(r->include_usage);
  EXPECT_EQ(r->max_tokens, 7);  // max_completion_tokens wins
  EXPECT_TRUE(r->ignore_eos);
}

TEST(OpenAi, ParsesCompletionRequest) {
  auto r = parseCompletionRequest(R"({"model":"m","prompt":"once upon","max_tokens":3})",
                                  Api::kCompletion);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->prompt_text, "once upon");
  EXPECT_FALSE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_EQ(r->max_tokens, 3);
}

TEST(OpenAi, RejectsBadRequests) {
  EXPECT_FALSE(parseCompletionRequest("{", Api::kChat));
  EXPECT_FALSE(parseCompletionRequest("[]", Api::kChat));
  EXPECT_FALSE(
      parseCompletionRequest(R"({"messages":[{"role":"user","content":"x"}]})", Api::kChat));
  EXPECT_FALSE(parseCompletionRequest(R"({"model":"m","messages":[]})", Api::kChat));
  EXPECT_FALSE(parseCompletionRequest(R"({"model":"m","messages":[{"content":"x"}]})", Api::kChat));
  EXPECT_FALSE(parseCompletionRequest(R"({"model":"m","messages":[{"role":"user","content":5}]})",
                                      Api::kChat));
  EXPECT_FALSE(
      parseCompletionRequest(R"({"model":"m","prompt":"x","max_tokens":0})", Api::kCompletion));
  EXPECT_FALSE(
      parseCompletionRequest(R"({"model":"m","prompt":"x","max_tokens":"5"})", Api::kCompletion));
  EXPECT_FALSE(
      parseCompletionRequest(R"({"model":"m","prompt":"x","stream":"yes"})", Api::kCompletion));
  EXPECT_FALSE(parseCompletionRequest(R"({"model":"m"})", Api::kCompletion));
  EXPECT_FALSE(parseCompletionRequest(R"({"model":"m","prompt":[1,2]})", Api::kCompletion));
}

TEST(OpenAi, ResponseShapes) {
  ResponseMeta m{Api::kChat, "chatcmpl-1", 123, "m"};
  auto body = json::parse(completionBody(m, "hello", "stop", Usage{10, 2, 8})).as_object();
  EXPECT_EQ(body.at("object"), "chat.completion");
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content"), "hello");
  EXPECT_EQ(body.at("usage").at("total_tokens"), 12);
  EXPECT_EQ(body.at("usage").at("prompt_tokens_details").at("cached_tokens"), 8);

  std::string c = streamChunk(m, "he", true, "");
  ASSERT_EQ(c.rfind("data: ", 0), 0u);
  ASSERT_EQ(c.substr(c.size() - 2), "\n\n");
  auto chunk = json::parse(c.substr(6)).as_object();
  EXPECT_EQ(chunk.at("object"), "chat.completion.chunk");
  EXPECT_EQ(chunk.at("choices").at(0).at("delta").at("role"), "assistant");
  EXPECT_TRUE(chunk.at("choices").at(0).at("finish_reason").is_null());
  auto last = json::parse(streamChunk(m, "llo", false, "length").substr(6)).as_object();
  EXPECT_EQ(last.at("choices").at(0).at("finish_reason"), "length");
  auto usage = json::parse(usageChunk(m, Usage{1, 2, 0}).substr(6)).as_object();
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").at("completion_tokens"), 2);

  ResponseMeta t{Api::kCompletion, "cmpl-1", 123, "m"};
  auto text = json::parse(completionBody(t, "abc", "stop", Usage{})).as_object();
  EXPECT_EQ(text.at("object"), "text_completion");
  EXPECT_EQ(text.at("choices").at(0).at("text"), "abc");
}

TEST(OpenAi, ErrorsAndModels) {
  auto e = json::parse(errorBody(429, "full")).as_object();
  EXPECT_EQ(e.at("error").at("code"), 429);
  EXPECT_EQ(e.at("error").at("type"), "TooManyRequestsError");
  EXPECT_EQ(e.at("error").at("message"), "full");
  auto models = json::parse(modelsBody({{"m", "m", ""}, {"a", "/p", "m"}}, 1, 1024)).as_object();
  EXPECT_EQ(models.at("object"), "list");
  EXPECT_EQ(models.at("data").at(1).at("parent"), "m");
  EXPECT_TRUE(models.at("data").at(0).at("parent").is_null());
  EXPECT_TRUE(parseLoraAdapterRequest(R"({"lora_name":"x","lora_path":"/x"})"));
  EXPECT_FALSE(parseLoraAdapterRequest(R"({"lora_path":"/x"})"));
}

}  // namespace
}  // namespace torii::llmsim
