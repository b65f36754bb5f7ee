using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Chat;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>
/// Conversations over the REST API without a model answering: a new one has an empty title (<c>isUntitled</c>) for
/// clients to name in their language, and PATCH changes its model only to one the owner may use, only for the owner.
/// </summary>
public sealed class ConversationApiTests : ApiTestBase
{
    [Fact]
    public async Task The_owner_changes_a_conversations_model_to_one_they_may_use_and_nobody_else_can()
    {
        var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "offline", baseUrl = "http://127.0.0.1:9/v1" }));
        var providerId = provider.GetProperty("id").GetGuid();
        await ModelAsync(providerId, "open-one", openToAll: true);
        await ModelAsync(providerId, "open-two", openToAll: true);
        await ModelAsync(providerId, "granted-to-nobody", openToAll: false);
        var owner = await CreateUserAsync("owner", SystemRoles.DataAnalyst);
        var other = await CreateUserAsync("other", SystemRoles.DataAnalyst);

        var created = await Json(owner.PostAsJsonAsync("/api/v1/conversations", new { model = "open-one" }));
        created.GetProperty("title").GetString().ShouldBe(string.Empty, "no English 'New chat' is stored");
        created.GetProperty("isUntitled").GetBoolean().ShouldBeTrue();
        var id = created.GetProperty("id").GetGuid();

        var changed = await Json(owner.PatchAsJsonAsync($"/api/v1/conversations/{id}", new { model = "open-two" }));
        changed.GetProperty("model").GetString().ShouldBe("open-two");

        (await owner.PatchAsJsonAsync($"/api/v1/conversations/{id}", new { model = "granted-to-nobody" })).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a model the owner may not use");
        (await owner.PatchAsJsonAsync($"/api/v1/conversations/{id}", new { model = "no-such-model" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await other.PatchAsJsonAsync($"/api/v1/conversations/{id}", new { model = "open-one" })).StatusCode.ShouldBe(HttpStatusCode.NotFound, "another user's conversation");

        var read = JsonDocument.Parse(await owner.GetStringAsync($"/api/v1/conversations/{id}")).RootElement.GetProperty("conversation");
        read.GetProperty("model").GetString().ShouldBe("open-two", "refused changes leave the model as it was");
        read.GetProperty("title").GetString().ShouldBe(string.Empty);
    }

    private async Task ModelAsync(Guid providerId, string name, bool openToAll)
    {
        using var scope = Factory.Services.CreateScope();
        var admin = (await scope.ServiceProvider.GetRequiredService<IUserDirectory>().FindByNameAsync("admin", default))!.Id;
        await scope.ServiceProvider.GetRequiredService<IChatStore>().SaveModelAsync(
            new LlmModel { Id = Guid.CreateVersion7(), ProviderId = providerId, ModelId = name, Name = name, Enabled = true, OpenToAll = openToAll, OwnerId = admin, CreatedAt = DateTimeOffset.UtcNow },
            true,
            null,
            default);
    }

    private static async Task<JsonElement> Json(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
