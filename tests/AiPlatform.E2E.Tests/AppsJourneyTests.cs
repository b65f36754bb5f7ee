using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>An app builder creates an app, adds nodes from the palette (click and drag), connects them by dragging between ports, undoes and redoes with the keyboard, at 1024 px, in light and dark mode.</summary>
public sealed class AppsJourneyTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_builder_creates_an_app_and_connects_a_node_on_the_canvas_by_dragging_between_ports()
    {
        var page = await fixture.OpenAsync("/apps");
        await page.SetViewportSizeAsync(1024, 768);
        await page.Locator("[data-testid=new-app]").ClickAsync();
        await page.Locator("input[data-testid=app-name]").FillAsync("Greeter");
        await Assertions.Expect(page.Locator("input[data-testid=app-slug]")).ToHaveValueAsync("greeter");
        await page.Locator("[data-testid=create-app]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(2);
        var appId = Guid.Parse(page.Url.Split('/').Last());

        await page.Locator("[data-testid=palette-item][data-type=template]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator(".diagram-node[data-node-id=template1] [data-testid=app-node-problem]")).ToHaveCountAsync(1);

        // Drag from the start node's output port to the template node's input port: a link, saved as an edge.
        await DragAsync(page, ".diagram-node[data-node-id=start] .diagram-port.out", ".diagram-node[data-node-id=template1] .diagram-port.in");
        await Assertions.Expect(page.Locator(".diagram-node[data-node-id=template1] .diagram-port.in.has-links")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=save-state]")).ToHaveAttributeAsync("data-state", "Saved");
        using var api = fixture.CreateAdminApiClient();
        var draft = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/apps/{appId}/draft")).RootElement;
        var edges = draft.GetProperty("graph").GetProperty("edges").EnumerateArray().Select(e => $"{e.GetProperty("source").GetString()}->{e.GetProperty("target").GetString()}").ToList();
        edges.ShouldContain("start->template1");

        // A node dragged from the palette lands on the canvas; Ctrl+Z takes it away again and Ctrl+Shift+Z brings it back.
        await page.Locator("[data-testid=palette-item][data-type=code]").DragToAsync(page.Locator("[data-testid=app-canvas]"));
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(4);
        await page.Locator("[data-testid=app-title]").ClickAsync();
        await page.Keyboard.PressAsync("Control+z");
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(3);
        await page.Keyboard.PressAsync("Control+Shift+z");
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(4);
        await page.Keyboard.PressAsync("f");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "app-editor-1024.png"), FullPage = true });

        await page.Locator("[data-testid=theme-toggle]").ClickAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "app-editor-1024-dark.png"), FullPage = true });
        await page.Locator("[data-testid=theme-toggle]").ClickAsync();

        await page.GotoAsync(fixture.BaseUrl + "/apps");
        await BrowserFixture.WaitForCircuitAsync(page, "/apps");
        await Assertions.Expect(page.Locator("[data-testid=app-link]", new() { HasText = "Greeter" })).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "apps.png"), FullPage = true });
    }

    [Fact]
    public async Task A_builder_runs_the_draft_with_live_badges_publishes_it_and_a_user_runs_it_from_its_page()
    {
        using var api = fixture.CreateAdminApiClient();
        var created = JsonDocument.Parse(await (await api.PostAsJsonAsync("/api/v1/apps", new { name = "Hello", slug = "hello", kind = "Workflow" })).Content.ReadAsStringAsync()).RootElement;
        var appId = created.GetProperty("id").GetGuid();
        var draft = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/apps/{appId}/draft")).RootElement;
        var graph = new
        {
            nodes = new object[]
            {
                new { id = "start", type = "start", x = 40, y = 120, config = new { fields = new[] { new { name = "name", type = "text", required = true, label = "Name" } } } },
                new { id = "code1", type = "code", x = 260, y = 120, config = new { code = "function main(inputs) { return { text: 'Hello ' + inputs.name + '!' }; }", inputs = new[] { new { name = "name", value = "{{start.name}}" } }, outputs = new[] { new { name = "text", type = "string" } } } },
                new { id = "end", type = "end", x = 480, y = 120, config = new { outputs = new[] { new { name = "greeting", value = "{{code1.text}}" } } } },
            },
            edges = new[] { new { source = "start", target = "code1" }, new { source = "code1", target = "end" } },
        };
        (await api.PutAsJsonAsync($"/api/v1/apps/{appId}/draft", new { graph, revision = draft.GetProperty("revision").GetInt32() })).EnsureSuccessStatusCode();

        var page = await fixture.OpenAsync($"/apps/{appId}");
        await page.SetViewportSizeAsync(1280, 900);
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(3);
        await page.Locator("[data-testid=tab-run], .mud-tab:has-text('Run')").First.ClickAsync();
        await page.Locator("textarea[data-testid=input-name]").FillAsync("Ada");
        await page.Locator("[data-testid=run-draft]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=run-result]")).ToHaveAttributeAsync("data-status", "Succeeded");
        await Assertions.Expect(page.Locator("[data-testid=run-outputs]")).ToContainTextAsync("Hello Ada!");
        await Assertions.Expect(page.Locator("[data-testid=app-node-badge][data-status=Succeeded]")).ToHaveCountAsync(3);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "app-editor-run.png"), FullPage = true });

        await page.Locator(".mud-tab:has-text('Versions')").First.ClickAsync();
        await page.Locator("textarea[data-testid=publish-message]").FillAsync("First version");
        await page.Locator("[data-testid=publish]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=version-published]")).ToHaveCountAsync(1);

        await page.GotoAsync(fixture.BaseUrl + "/a/hello");
        await BrowserFixture.WaitForCircuitAsync(page, "/a/hello");
        await page.Locator("textarea[data-testid=input-name]").FillAsync("Grace");
        await page.Locator("[data-testid=app-run]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=app-output][data-name=greeting]")).ToContainTextAsync("Hello Grace!");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, "app-page.png"), FullPage = true });
    }

    private static async Task DragAsync(IPage page, string from, string to)
    {
        var source = await page.Locator(from).BoundingBoxAsync() ?? throw new InvalidOperationException($"{from} is not visible");
        var target = await page.Locator(to).BoundingBoxAsync() ?? throw new InvalidOperationException($"{to} is not visible");
        await page.Mouse.MoveAsync(source.X + (source.Width / 2), source.Y + (source.Height / 2));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(target.X + (target.Width / 2), target.Y + (target.Height / 2), new MouseMoveOptions { Steps = 8 });
        await page.Mouse.UpAsync();
    }
}
