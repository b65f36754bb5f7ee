# Web app image: the same build as the embedded default, configured for production by environment variables.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY AiPlatform.Core/AiPlatform.Core.csproj AiPlatform.Core/
COPY AiPlatform.Infrastructure/AiPlatform.Infrastructure.csproj AiPlatform.Infrastructure/
COPY AiPlatform.Web/AiPlatform.Web.csproj AiPlatform.Web/
RUN dotnet restore AiPlatform.Web/AiPlatform.Web.csproj
COPY AiPlatform.Core/ AiPlatform.Core/
COPY AiPlatform.Infrastructure/ AiPlatform.Infrastructure/
COPY AiPlatform.Web/ AiPlatform.Web/
RUN dotnet publish AiPlatform.Web/AiPlatform.Web.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 bubblewrap && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080 \
    Platform__DataDirectory=/var/lib/aiplatform \
    Logging__Format=Json
RUN mkdir -p /var/lib/aiplatform && chown 1654:1654 /var/lib/aiplatform
USER 1654
EXPOSE 8080
ENTRYPOINT ["dotnet", "AiPlatform.Web.dll"]
