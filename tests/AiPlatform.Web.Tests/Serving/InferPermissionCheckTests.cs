using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>An OIP infer checks the caller's right on the endpoint once per call, not once per layer it passes.</summary>
public sealed class InferPermissionCheckTests : IAsyncLifetime
{
    private readonly PlatformWebFactory _base = new();
    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _factory = default!;

    public Task InitializeAsync()
    {
        // With the access cache off, every permission check reaches the store, so the count is the number of checks.
        _factory = _base.WithWebHostBuilder(b => b.UseSetting("Platform:AccessCache:Enabled", "false").ConfigureTestServices(services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IAccessStore));
            services.Remove(original);
            services.AddSingleton<IAccessStore>(sp => CountingAccessStore.Wrap(
                original.ImplementationInstance as IAccessStore
                ?? (original.ImplementationFactory is { } make ? (IAccessStore)make(sp) : (IAccessStore)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!))));
        }));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _base.DisposeAsync();
        _base.DeleteData();
    }

    [Fact]
    public async Task A_reader_granted_on_the_endpoint_costs_one_grant_lookup_per_infer()
    {
        using var admin = Client("admin", PlatformWebFactoryBase.AdminPassword);
        var model = JsonDocument.Parse(await (await admin.PostAsJsonAsync("/api/v1/models", new { name = "price" })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
        (await admin.PostAsync($"/api/v1/models/{model}/versions/upload?fileName=model.onnx", new ByteArrayContent(TinyOnnxModel.Regression(2)))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var deploy = await admin.PostAsJsonAsync("/api/v1/endpoints", new { name = "price", modelId = model, target = "1" });
        deploy.StatusCode.ShouldBe(HttpStatusCode.Created, await deploy.Content.ReadAsStringAsync());
        var endpoint = JsonDocument.Parse(await deploy.Content.ReadAsStringAsync()).RootElement.GetProperty("endpoint").GetProperty("id").GetGuid();
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { userName = "reader", password = "Passw0rd-reader", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using var reader = Client("reader", "Passw0rd-reader");
        var me = JsonDocument.Parse(await reader.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await admin.PostAsJsonAsync($"/api/v1/endpoints/{endpoint}/grants", new { principalType = "User", principalId = me, level = "Read" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Infer(reader)).StatusCode.ShouldBe(HttpStatusCode.OK, "warm-up: the route is cached and the reader may call");

        const int calls = 5;
        var before = CountingAccessStore.EndpointGrantLookups;
        for (var i = 0; i < calls; i++)
        {
            var response = await Infer(reader);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        }

        (CountingAccessStore.EndpointGrantLookups - before).ShouldBe(calls, "one check of the reader's grant on the endpoint per infer");
    }

    private HttpClient Client(string user, string password)
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    private static Task<HttpResponseMessage> Infer(HttpClient client) =>
        client.PostAsync("/v2/models/price/infer", new StringContent("""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [2]}]}""", Encoding.UTF8, "application/json"));

    /// <summary>The platform's access store, counting the reads of endpoints' grants.</summary>
    public class CountingAccessStore : DispatchProxy
    {
        private static int _endpointGrantLookups;

        private IAccessStore _inner = default!;

        public static int EndpointGrantLookups => Volatile.Read(ref _endpointGrantLookups);

        public static IAccessStore Wrap(IAccessStore inner)
        {
            var proxy = Create<IAccessStore, CountingAccessStore>();
            ((CountingAccessStore)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            // The two ways to read an object's grants: the caller's best level, or the object's grant list.
            if ((targetMethod?.Name == nameof(IAccessStore.GetGrantedLevelAsync) && args?[1] is SecurableTypes.Endpoint)
                || (targetMethod?.Name == nameof(IAccessStore.ListGrantsAsync) && args?[0] is SecurableTypes.Endpoint))
            {
                Interlocked.Increment(ref _endpointGrantLookups);
            }

            try
            {
                return targetMethod!.Invoke(_inner, args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        }
    }
}
