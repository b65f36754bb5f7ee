using System.Net.Http.Json;
using AiPlatform.Core.Jobs;
using AiPlatform.Web.Features.Jobs;

namespace AiPlatform.Web.Tests.Builders;

public static class ApiClientExtensions
{
    public static async Task<JobSummary> WaitForJobAsync(this HttpClient client, Guid id, Func<JobSummary, bool> until, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JobSummary>($"/api/v1/jobs/{id}", JsonDefaults.Options);
            if (until(job!))
            {
                return job!;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Job {id} is still {job!.Status}.");
            }

            await Task.Delay(100);
        }
    }

    public static Task<JobSummary> WaitForStatusAsync(this HttpClient client, Guid id, JobStatus status) =>
        client.WaitForJobAsync(id, j => j.Status == status);
}
