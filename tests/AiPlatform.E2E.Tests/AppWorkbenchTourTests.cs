using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>
/// An administrator walks through every page and tab of the app workbench with a real workflow app (start → template →
/// end) and a chat app, in English and in Chinese: every screen is photographed, and in Chinese no Latin-only word is left.
/// </summary>
public sealed class AppWorkbenchTourTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    // The editor's side tabs, in order (an administrator has Write, so the evaluations tab is there).
    private static readonly string[] Tabs = ["node", "run", "problems", "versions", "runs", "keys", "deploy", "evaluations", "monitoring"];

    // What this journey names itself (apps, fields, outputs, messages, keys), and key names and product names that stay as they are.
    private static readonly HashSet<string> OwnNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "Tour", "chat", "greetings", "expected", "Ada", "Grace", "Hello", "greeting", "greetingHello", "You", "said", "hi", "laptop", "Name", "First", "version", "versionadmin",
        "Ctrl", "Shift", "Delete", "Liquid", "POST",
    };

    private readonly SortedDictionary<string, SortedSet<string>> _latin = new(StringComparer.Ordinal);
    private readonly List<string> _overflowing = [];

    [Fact]
    public async Task An_admin_tours_every_page_and_tab_of_the_workbench_in_english_and_in_chinese()
    {
        using var api = fixture.CreateAdminApiClient();
        var page = await fixture.OpenAsync("/apps");
        await page.SetViewportSizeAsync(1366, 900);

        // A workflow made in the browser: the new-app dialog, a template node from the palette, then wired start → template → end.
        await page.Locator("[data-testid=new-app]").ClickAsync();
        await page.Locator("input[data-testid=app-name]").FillAsync("Tour");
        await page.Locator("[data-testid=create-app]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(2);
        var appId = Guid.Parse(page.Url.Split('/').Last());
        await page.Locator("[data-testid=palette-item][data-type=template]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("[data-testid=save-state]")).ToHaveAttributeAsync("data-state", "Saved");

        // Copy and paste through the browser's clipboard, duplicate, then undo both.
        await page.Locator(".diagram-node[data-node-id=template1]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=node-panel]")).ToHaveAttributeAsync("data-node-id", "template1");
        await page.Keyboard.PressAsync("Control+c");
        await page.Keyboard.PressAsync("Control+v");
        await Assertions.Expect(page.Locator(".diagram-node[data-node-id=template2]")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Control+d");
        await Assertions.Expect(page.Locator(".diagram-node[data-node-id=template3]")).ToHaveCountAsync(1);
        await page.Keyboard.PressAsync("Control+z");
        await page.Keyboard.PressAsync("Control+z");
        await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("[data-testid=save-state]")).ToHaveAttributeAsync("data-state", "Saved");
        await SaveGraphAsync(api, appId, WorkflowGraph());
        var chatId = await CreateChatAsync(api);

        foreach (var language in new[] { "en", "zh-CN" })
        {
            if (language == "zh-CN")
            {
                await page.Locator("[data-testid=language-menu] button").First.ClickAsync();
                await page.Locator("[data-testid=language-zh-CN]").ClickAsync();
                await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-CN");
            }

            await GoAsync(page, "/apps");
            await Assertions.Expect(page.Locator("[data-testid=app-link]")).ToHaveCountAsync(2);
            await ShotAsync(page, language, "apps");
            await page.Locator("[data-testid=new-app]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=create-app-form]")).ToBeVisibleAsync();
            await ShotAsync(page, language, "apps-new");
            await page.Keyboard.PressAsync("Escape");

            await GoAsync(page, $"/apps/{appId}");
            await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(3);
            await TabAsync(page, "node");
            await ShotAsync(page, language, "editor-node-none");
            await page.Locator(".diagram-node[data-node-id=template1]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=node-panel]")).ToHaveAttributeAsync("data-node-id", "template1");
            await ShotAsync(page, language, "editor-node");

            await TabAsync(page, "run");
            await page.Locator("textarea[data-testid=input-name]").FillAsync("Ada");
            await page.Locator("[data-testid=run-draft]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=run-result]")).ToHaveAttributeAsync("data-status", "Succeeded");
            await Assertions.Expect(page.Locator("[data-testid=run-outputs]")).ToContainTextAsync("Hello Ada!");
            await ShotAsync(page, language, "editor-run");

            await TabAsync(page, "problems");
            await Assertions.Expect(page.Locator("[data-testid=no-problems]")).ToBeVisibleAsync();
            await ShotAsync(page, language, "editor-problems");

            await TabAsync(page, "versions");
            if (language == "en")
            {
                await page.Locator("textarea[data-testid=publish-message]").FillAsync("First version");
                await page.Locator("[data-testid=publish]").ClickAsync();
                await Assertions.Expect(page.Locator("[data-testid=version-published]")).ToHaveCountAsync(1);
            }

            await page.Locator("[data-testid=diff-compare]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=diff-empty]")).ToBeVisibleAsync();
            await ShotAsync(page, language, "editor-versions");

            await TabAsync(page, "runs");
            await Assertions.Expect(page.Locator("[data-testid=run-link]")).Not.ToHaveCountAsync(0);
            await ShotAsync(page, language, "editor-runs");

            await TabAsync(page, "keys");
            await page.Locator("input[data-testid=key-name]").FillAsync("laptop");
            if (language == "zh-CN")
            {
                await page.Locator("input[data-testid=key-rate]").FillAsync("5");
            }

            await page.Locator("[data-testid=key-create]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=key-secret]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=key-limits]").First).ToContainTextAsync(language == "en" ? "no rate limit" : "每分钟最多 5 次请求");
            await ShotAsync(page, language, "editor-keys");

            await TabAsync(page, "deploy");
            await Assertions.Expect(page.Locator("[data-testid=deploy-not-configured]")).ToBeVisibleAsync();
            await ShotAsync(page, language, "editor-deploy");

            await TabAsync(page, "evaluations");
            await page.Locator("[data-testid=evaluation-new]").ClickAsync();
            if (language == "en")
            {
                // No dataset yet: the form says where to make one; in Chinese it has one and shows its mapping and scorers.
                await Assertions.Expect(page.Locator("[data-testid=evaluation-no-datasets]")).ToBeVisibleAsync();
                await Assertions.Expect(page.Locator("[data-testid=evaluation-start]")).ToBeDisabledAsync();
            }
            else
            {
                await Assertions.Expect(page.Locator("[data-testid=evaluation-scorer]")).ToHaveCountAsync(1);
                await Assertions.Expect(page.Locator("input[data-testid=scorer-kind]")).ToHaveValueAsync("完全匹配");
                await Assertions.Expect(page.Locator("[data-testid=evaluation-start]")).ToBeEnabledAsync();
            }

            await ShotAsync(page, language, "editor-evaluations");
            if (language == "en")
            {
                await CreateDatasetAsync(api);
            }

            await TabAsync(page, "monitoring");
            await Assertions.Expect(page.Locator("[data-testid=monitoring-runs]")).Not.ToHaveTextAsync("0");
            await Assertions.Expect(page.Locator("[data-testid=monitoring-runs-chart] .main-svg").First).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("[data-testid=monitoring-node-template1]")).ToContainTextAsync(language == "en" ? "Template" : "模板");
            await ShotAsync(page, language, "editor-monitoring");

            await GoAsync(page, "/a/tour");
            await page.Locator("textarea[data-testid=input-name]").FillAsync("Grace");
            await page.Locator("[data-testid=app-run]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=app-output][data-name=greeting]")).ToContainTextAsync("Hello Grace!");
            await ShotAsync(page, language, "app-page");

            var runs = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/apps/{appId}/runs")).RootElement.GetProperty("items");
            await GoAsync(page, $"/apps/{appId}/runs/{runs[0].GetProperty("id").GetString()}");
            await Assertions.Expect(page.Locator("[data-testid=node-execution]")).ToHaveCountAsync(3);
            await page.Locator("[data-testid=node-execution][data-node-id=template1]").ClickAsync();
            await ShotAsync(page, language, "run-view");

            await GoAsync(page, $"/apps/{chatId}");
            await Assertions.Expect(page.Locator("[data-testid=app-node]")).ToHaveCountAsync(2);
            await TabAsync(page, "run");
            await page.Locator("textarea[data-testid=run-question]").FillAsync("hi");
            await page.Locator("[data-testid=run-draft]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=turn-answer]")).ToContainTextAsync("You said: hi");
            await Assertions.Expect(page.Locator("[data-testid=run-panel] [data-testid=no-inputs]")).ToHaveCountAsync(0);
            await ShotAsync(page, language, "chat-editor-run");

            await GoAsync(page, "/a/tour-chat");
            await ShotAsync(page, language, "chat-page-empty");
            await page.Locator("textarea[data-testid=chat-question]").FillAsync("hi");
            await page.Locator("[data-testid=chat-send]").ClickAsync();
            await Assertions.Expect(page.Locator("[data-testid=turn-answer]")).ToContainTextAsync("You said: hi");
            await ShotAsync(page, language, "chat-page");
        }

        var report = new StringBuilder();
        foreach (var (screen, words) in _latin)
        {
            report.AppendLine($"{screen}: {string.Join(", ", words)}");
        }

        await File.WriteAllTextAsync(Path.Combine(BrowserFixture.ArtifactDirectory, "latin-words-apps-zh-CN.txt"), report.ToString());
        _overflowing.ShouldBeEmpty("Screens wider than the window, or cut at the side panel's edge");
        _latin.ShouldBeEmpty($"Latin-only words on the workbench in zh-CN:{Environment.NewLine}{report}");
    }

    private async Task GoAsync(IPage page, string path)
    {
        await page.GotoAsync(fixture.BaseUrl + path);
        await BrowserFixture.WaitForCircuitAsync(page, path);
    }

    private static async Task TabAsync(IPage page, string tab)
    {
        await page.Locator(".app-side .mud-tab").Nth(Array.IndexOf(Tabs, tab)).ClickAsync();
        await Assertions.Expect(page.Locator(".app-side .mud-tab").Nth(Array.IndexOf(Tabs, tab))).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-tab-active"));
    }

    /// <summary>A full-page screenshot, and in Chinese the Latin-only words the screen shows.</summary>
    private async Task ShotAsync(IPage page, string language, string name)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ArtifactDirectory, $"tour-{language}-{name}.png"), FullPage = true });
        if (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1"))
        {
            _overflowing.Add($"{language}/{name}");
        }

        // What the editor's side panel shows stays inside it (it is narrow: long words, keys and tables must wrap or scroll there).
        var clipped = await page.EvaluateAsync<string[]>(
            """
            () => {
                const side = document.querySelector('.app-side');
                if (!side) return [];
                const edge = side.getBoundingClientRect().right;
                return [...side.querySelectorAll('.mud-alert, .mud-paper, .mud-input-control, p, .mud-typography')]
                    .filter(e => e.getClientRects().length > 0 && e.getBoundingClientRect().right > edge + 1)
                    .map(e => (e.getAttribute('data-testid') || e.className.toString().split(' ')[0]) + ': ' + e.innerText.slice(0, 40));
            }
            """);
        _overflowing.AddRange(clipped.Select(c => $"{language}/{name}: {c}"));

        if (language != "zh-CN")
        {
            return;
        }

        var text = await page.EvaluateAsync<string>(
            """
            () => {
                const code = [...document.querySelectorAll('code, pre, kbd, textarea')];
                const shown = code.map(e => e.style.display);
                code.forEach(e => e.style.display = 'none');
                const text = document.body.innerText;
                code.forEach((e, i) => e.style.display = shown[i]);
                return text;
            }
            """);
        var words = ChinesePagesTests.LatinWords(text).Where(w => !OwnNames.Contains(w)).ToList();
        if (words.Count > 0)
        {
            _latin[name] = new SortedSet<string>(words, StringComparer.Ordinal);
        }
    }

    private static async Task SaveGraphAsync(HttpClient api, Guid appId, object graph)
    {
        var draft = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/apps/{appId}/draft")).RootElement;
        var saved = await api.PutAsJsonAsync($"/api/v1/apps/{appId}/draft", new { graph, revision = draft.GetProperty("revision").GetInt32() });
        saved.IsSuccessStatusCode.ShouldBeTrue(await saved.Content.ReadAsStringAsync());
    }

    private static object WorkflowGraph() => new
    {
        nodes = new object[]
        {
            new { id = "start", type = "start", x = 40, y = 160, config = new { fields = new[] { new { name = "name", type = "text", required = true, label = "Name" } } } },
            new { id = "template1", type = "template", x = 300, y = 160, config = new { template = "Hello {{ name }}!", variables = new[] { new { name = "name", value = "{{start.name}}" } } } },
            new { id = "end", type = "end", x = 560, y = 160, config = new { outputs = new[] { new { name = "greeting", value = "{{template1.text}}" } } } },
        },
        edges = new[] { new { source = "start", target = "template1" }, new { source = "template1", target = "end" } },
    };

    /// <summary>Rows to evaluate the workflow on: a name and the greeting expected.</summary>
    private static async Task CreateDatasetAsync(HttpClient api)
    {
        var created = await api.PostAsJsonAsync("/api/v1/datasets", new { name = "greetings" });
        created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();
        var csv = new StringContent("name,expected\nAda,Hello Ada!\nGrace,Hello Grace!\n", Encoding.UTF8, "text/csv");
        var uploaded = await api.PostAsync($"/api/v1/datasets/{id}/versions?fileName=greetings.csv", csv);
        uploaded.IsSuccessStatusCode.ShouldBeTrue(await uploaded.Content.ReadAsStringAsync());
    }

    /// <summary>A published chat app that answers with what it was asked.</summary>
    private static async Task<Guid> CreateChatAsync(HttpClient api)
    {
        var created = await api.PostAsJsonAsync("/api/v1/apps", new { name = "Tour chat", slug = "tour-chat", kind = "Chat" });
        created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync());
        var chatId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await SaveGraphAsync(api, chatId, new
        {
            nodes = new object[]
            {
                new { id = "start", type = "start", x = 40, y = 160 },
                new { id = "answer", type = "answer", x = 360, y = 160, config = new { text = "You said: {{sys.query}}" } },
            },
            edges = new[] { new { source = "start", target = "answer" } },
        });
        var published = await api.PostAsJsonAsync($"/api/v1/apps/{chatId}/publish", new { message = "v1" });
        published.IsSuccessStatusCode.ShouldBeTrue(await published.Content.ReadAsStringAsync());
        return chatId;
    }
}
