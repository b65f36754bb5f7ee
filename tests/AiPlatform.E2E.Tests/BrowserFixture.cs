using AiPlatform.Core.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Playwright;

namespace AiPlatform.E2E.Tests;

/// <summary>The app on a real Kestrel port (embedded default, temporary data folder) and Debian's Chromium driven by Playwright.</summary>
public class BrowserFixture : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aip-e2e-" + Guid.NewGuid().ToString("N"));
    private AppFactory? _app;
    private IPlaywright? _playwright;

    public const string AdminPassword = "Admin-Passw0rd-E2E";

    public IBrowser Browser { get; private set; } = default!;

    public string BaseUrl { get; private set; } = default!;

    /// <summary>Where screenshots go; scripts/test.sh keeps them as test artifacts.</summary>
    public static string ArtifactDirectory { get; } =
        Environment.GetEnvironmentVariable("AIP_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "artifacts");

    public async Task InitializeAsync()
    {
        // Playwright's 5 s default for Expect(...) is lost to a loaded two-core CI machine; a real failure still fails, later.
        Assertions.SetDefaultExpectTimeout(30_000);
        _app = new AppFactory(_data, ConfigureApp);
        _app.UseKestrel(0);
        _app.StartServer();
        BaseUrl = _app.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        Directory.CreateDirectory(ArtifactDirectory);
        await AfterStartAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("AIP_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>Extra settings for the app under test.</summary>
    protected virtual void ConfigureApp(IWebHostBuilder builder)
    {
    }

    protected virtual Task AfterStartAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var logs = Path.Combine(_data, "logs");
        if (Directory.Exists(logs))
        {
            foreach (var log in Directory.EnumerateFiles(logs))
            {
                File.Copy(log, Path.Combine(ArtifactDirectory, $"{GetType().Name}-{Path.GetFileName(log)}"), overwrite: true);
            }
        }

        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>
    /// A new browser session signed in through the login form, at <paramref name="path"/>, returned once the Blazor
    /// circuit is interactive (clicks before that are lost).
    /// </summary>
    public async Task<IPage> OpenAsync(string path, string userName = "admin", string password = AdminPassword)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(BaseUrl + path);
        await page.Locator("#userName").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("[data-testid=login-submit]").ClickAsync();
        return await WaitForCircuitAsync(page, path);
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new ViewportSize { Width = 1366, Height = 860 } });
        return await context.NewPageAsync();
    }

    public static async Task<IPage> WaitForCircuitAsync(IPage page, string path)
    {
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                problems.Add(message.Text);
            }
        };
        page.RequestFailed += (_, request) => problems.Add($"request failed: {request.Url} {request.Failure}");
        try
        {
            await page.Locator("[data-testid=circuit-ready]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"The Blazor circuit did not start at {page.Url} (wanted {path}). Browser said: {string.Join(" | ", problems)}", ex);
        }

        return page;
    }

    /// <summary>
    /// Picks files in a Blazor <c>InputFile</c> once its script has attached (it does so after the first render):
    /// a change event before that is lost, which no user could cause but a test that picks at once does.
    /// </summary>
    public static async Task PickFilesAsync(ILocator input, params string[] files)
    {
        var element = await input.ElementHandleAsync();
        await input.Page.WaitForFunctionAsync("e => e._blazorInputFileNextFileId !== undefined", element);
        await input.SetInputFilesAsync(files);
    }

    /// <summary>Calls the app's REST API as the administrator (HTTP Basic).</summary>
    public HttpClient CreateAdminApiClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{AdminPassword}")));
        return client;
    }

    private sealed class AppFactory(string dataDirectory, Action<IWebHostBuilder> configure) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Testing");
            builder.UseStaticWebAssets();
            builder.UseSetting("Platform:DataDirectory", dataDirectory);
            builder.UseSetting("Jobs:StorageScanCron", "");
            builder.UseSetting("Jobs:StorageCleanupCron", "");
            builder.UseSetting("Admin:InitialPassword", AdminPassword);
            builder.UseSetting("DataSources:AllowedHosts:0", "127.0.0.0/8");
            builder.UseSetting("DataSources:AllowedHosts:1", "::1");
            builder.UseSetting("DataSources:AllowedHosts:2", "localhost");
            builder.UseSetting("Training:AllowLocalGitUrls", "true");

            // A page left while a chart's first JavaScript call is in flight disposes only when that call times out
            // (Blazor's 60 s JS interop timeout: Plotly.Blazor's dispose waits for it). Let shutdown outlast that
            // rather than fail the teardown of an otherwise passed journey.
            builder.ConfigureServices(services => services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(90)));
            configure(builder);
        }
    }
}
