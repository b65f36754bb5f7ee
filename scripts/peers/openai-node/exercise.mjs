// The npm openai SDK as a client of the platform's OpenAI-compatible gateway (run by the Web tests, over real HTTP).
// usage: node exercise.mjs — with AIP_GATEWAY_URL (…/v1), AIP_MODEL (a provider model), AIP_LOCAL_MODEL (the built-in
// embedder), AIP_TOKEN (a token that may use both), AIP_VIEWER_TOKEN (a user without chat.use), AIP_SPENT_TOKEN (a user
// whose daily quota is used up). Prints one JSON object: what each call gave back, or the SDK's error for it.
import OpenAI from "openai";

const env = name => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();
const baseURL = env("AIP_GATEWAY_URL");
const model = env("AIP_MODEL");
const localModel = env("AIP_LOCAL_MODEL");
const client = token => new OpenAI({ baseURL, apiKey: token, maxRetries: 0, timeout: 120_000 });
const sdk = client(env("AIP_TOKEN"));

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city.",
    parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Rome"] } }, required: ["city"], additionalProperties: false },
  },
};
const forced = { type: "function", function: { name: "get_weather" } };

// The SDK's view of a refused call: its error class, status and OpenAI error fields.
async function refusal(call) {
  try {
    await call();
    return { refused: false };
  } catch (e) {
    return { refused: true, name: e.constructor.name, status: e.status ?? null, message: e.message, type: e.type ?? null, code: e.code ?? null, error: e.error ?? null };
  }
}

const result = {};

// Tools, not streamed: the call comes back as the SDK's tool_calls.
const called = await sdk.chat.completions.create({ model, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weather], tool_choice: forced, max_tokens: 64 });
result.toolCall = { finish: called.choices[0].finish_reason, model: called.model, calls: called.choices[0].message.tool_calls };

// Tools, streamed: the SDK's stream helper assembles the tool_calls deltas into the final message.
const stream = sdk.chat.completions.stream({ model, messages: [{ role: "user", content: "Weather in Rome?" }], tools: [weather], tool_choice: forced, max_tokens: 64, stream_options: { include_usage: true } });
let deltas = 0;
stream.on("chunk", chunk => { if (chunk.choices[0]?.delta?.tool_calls) deltas++; });
const assembled = await stream.finalChatCompletion();
result.streamedToolCall = { deltas, finish: assembled.choices[0].finish_reason, calls: assembled.choices[0].message.tool_calls, usage: assembled.usage ?? null };

// A tool result sent back with the call it answers.
const call = called.choices[0].message.tool_calls[0];
const answered = await sdk.chat.completions.create({
  model,
  messages: [
    { role: "user", content: "Weather in Paris?" },
    { role: "assistant", content: null, tool_calls: [call] },
    { role: "tool", tool_call_id: call.id, content: JSON.stringify({ celsius: 21 }) },
  ],
  max_tokens: 8,
});
result.toolResult = { finish: answered.choices[0].finish_reason, content: answered.choices[0].message.content };

// Structured output: the SDK's parse helper checks and parses the JSON schema output.
const parsed = await sdk.chat.completions.parse({
  model,
  messages: [{ role: "user", content: "Is it sunny?" }],
  response_format: { type: "json_schema", json_schema: { name: "answer", strict: true, schema: { type: "object", properties: { sunny: { type: "boolean" }, city: { type: "string", enum: ["Paris", "Rome"] } }, required: ["sunny", "city"], additionalProperties: false } } },
  max_tokens: 64,
});
result.jsonSchema = { parsed: parsed.choices[0].message.parsed };

// Embeddings: the SDK asks for base64 by default and decodes it; float on request.
for (const [key, name] of [["provider", model], ["local", localModel]]) {
  const base64 = await sdk.embeddings.create({ model: name, input: ["first text", "second text"] });
  const float = await sdk.embeddings.create({ model: name, input: "first text", encoding_format: "float" });
  result[`embeddings_${key}`] = {
    model: base64.model,
    count: base64.data.length,
    dimensions: base64.data[0].embedding.length,
    sameAsFloat: base64.data[0].embedding.every((x, i) => Math.abs(x - float.data[0].embedding[i]) < 1e-6),
    usage: base64.usage,
  };
}

// Refusals as the SDK surfaces them.
result.unauthorized = await refusal(() => client("aip_not-a-token").chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }));
result.forbidden = await refusal(() => client(env("AIP_VIEWER_TOKEN")).models.list());
result.notFound = await refusal(() => sdk.embeddings.create({ model: "no-such-model", input: "hi" }));
result.quota = await refusal(() => client(env("AIP_SPENT_TOKEN")).chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }));

console.log(JSON.stringify(result));
