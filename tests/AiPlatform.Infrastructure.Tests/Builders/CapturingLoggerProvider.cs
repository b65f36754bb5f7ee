using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>Keeps every log event written through it, so a test can assert on what an operator would read.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLogEvent> _events = new();

    public IReadOnlyList<CapturedLogEvent> Events => [.. _events];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _events);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<CapturedLogEvent> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            events.Enqueue(new CapturedLogEvent(logLevel, category, formatter(state, exception), exception));
    }
}

public sealed record CapturedLogEvent(LogLevel Level, string Category, string Message, Exception? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message}{(Exception is null ? string.Empty : " " + Exception.Message)}";
}
