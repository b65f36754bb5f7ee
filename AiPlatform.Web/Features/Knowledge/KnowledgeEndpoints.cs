using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Knowledge;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Knowledge;

/// <summary>Knowledge bases, their documents (upload, status, chunks, re-index, delete) and retrieval.</summary>
public static class KnowledgeEndpoints
{
    public static void MapKnowledgeEndpoints(this IEndpointRouteBuilder app)
    {
        var kbs = app.MapGroup("/api/v1/knowledge-bases").WithTags("Knowledge bases");
        kbs.MapGet("/", ListAsync).WithName("ListKnowledgeBases").WithSummary("The knowledge bases you can read, with document and chunk counts.");
        kbs.MapPost("/", CreateAsync).WithName("CreateKnowledgeBase").WithSummary("embeddingModel: local:all-MiniLM-L6-v2 (default, in process) or a platform model whose provider serves /v1/embeddings.");
        kbs.MapGet("/{id:guid}", GetAsync).WithName("GetKnowledgeBase");
        kbs.MapPut("/{id:guid}", UpdateAsync).WithName("UpdateKnowledgeBase").WithSummary("A change to chunking or the embedding model re-indexes every document.");
        kbs.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteKnowledgeBase").WithSummary("Deletes documents, chunks, vectors and files.");
        kbs.MapPost("/{id:guid}/reindex", ReindexAllAsync).WithName("ReindexKnowledgeBase");
        kbs.MapPost("/{id:guid}/search", SearchAsync)
            .WithName("SearchKnowledgeBase").WithSummary("The retrieval console: chunks for a question with score, cosine similarity, rank in the vector and keyword lists, language and whether the vector counted; and the ranking: strategy (Fused, KeywordLed, KeywordOnly, VectorOnly), the question's language, the embedding model's languages, the vector weight and why. mode: Hybrid, Vector or Keyword; vectorWeight 0–1 overrides the knowledge base's.");

        var documents = kbs.MapGroup("/{id:guid}/documents");
        documents.MapGet("/", ListDocumentsAsync).WithName("ListKnowledgeDocuments").WithSummary("Documents with their ingestion status, progress, error and chunk count.");
        documents.MapPost("/", UploadAsync).DisableAntiforgery().WithName("UploadKnowledgeDocuments")
            .WithSummary("Adds txt, md, html, pdf or docx files as multipart 'file' fields, or one file as the raw body with ?fileName= (a file of an existing name replaces that document); each is ingested by a background job.");
        documents.MapGet("/{documentId:guid}", GetDocumentAsync).WithName("GetKnowledgeDocument").WithSummary("The document and its chunks.");
        documents.MapGet("/{documentId:guid}/content", DownloadDocumentAsync).WithName("DownloadKnowledgeDocument");
        documents.MapPost("/{documentId:guid}/reindex", ReindexDocumentAsync).WithName("ReindexKnowledgeDocument");
        documents.MapDelete("/{documentId:guid}", DeleteDocumentAsync).WithName("DeleteKnowledgeDocument");

        kbs.MapGrantEndpoints(SecurableTypes.KnowledgeBase, "KnowledgeBase");
    }

    private static async Task<Ok<IEnumerable<KnowledgeBaseView>>> ListAsync(KnowledgeService k, CancellationToken ct, string? q = null) =>
        TypedResults.Ok((await k.ListAsync(q, ct)).Select(s => View(s.KnowledgeBase, s.Level, s.Documents, s.Chunks)));

    private static async Task<Created<KnowledgeBaseView>> CreateAsync(KnowledgeBaseInput body, KnowledgeService k, CancellationToken ct)
    {
        var created = await k.CreateAsync(body, ct);
        return TypedResults.Created($"/api/v1/knowledge-bases/{created.Id}", View(created, PermissionLevel.Manage, 0, 0));
    }

    private static async Task<Ok<KnowledgeBaseView>> GetAsync(Guid id, KnowledgeService k, KnowledgeDocumentService d, CancellationToken ct)
    {
        var (kb, level) = await k.GetAsync(id, ct);
        var documents = await d.ListDocumentsAsync(id, ct);
        return TypedResults.Ok(View(kb, level, documents.Count, documents.Sum(doc => doc.ChunkCount)));
    }

    private static async Task<Ok<KnowledgeBaseView>> UpdateAsync(Guid id, KnowledgeBaseInput body, KnowledgeService k, CancellationToken ct)
    {
        var kb = await k.UpdateAsync(id, body, ct);
        return TypedResults.Ok(View(kb, (await k.GetAsync(id, ct)).Level, 0, 0));
    }

    private static async Task<NoContent> DeleteAsync(Guid id, KnowledgeService k, CancellationToken ct)
    {
        await k.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Accepted<ReindexQueued>> ReindexAllAsync(Guid id, KnowledgeDocumentService d, CancellationToken ct) =>
        TypedResults.Accepted((string?)null, new ReindexQueued(await d.ReindexAllAsync(id, ct)));

    private static async Task<Ok<RetrievalResult>> SearchAsync(Guid id, SearchInput body, KnowledgeRetrievalService r, CancellationToken ct) =>
        TypedResults.Ok(await r.SearchAsync(id, body.Query, body.TopK ?? 5, body.Mode ?? RetrievalMode.Hybrid, body.Threshold, body.VectorWeight, ct));

    private static async Task<Ok<IReadOnlyList<KnowledgeDocument>>> ListDocumentsAsync(Guid id, KnowledgeDocumentService d, CancellationToken ct) => TypedResults.Ok(await d.ListDocumentsAsync(id, ct));

    private static async Task<Accepted<IReadOnlyList<KnowledgeDocument>>> UploadAsync(Guid id, HttpRequest request, KnowledgeDocumentService d, CancellationToken ct, string? fileName = null)
    {
        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = KnowledgeDocumentService.MaxDocumentBytes * 4;
        }

        if (!request.HasFormContentType)
        {
            // A raw body with ?fileName= (curl --data-binary).
            return TypedResults.Accepted($"/api/v1/knowledge-bases/{id}/documents", (IReadOnlyList<KnowledgeDocument>)[await d.UploadAsync(id, request.Body, fileName, ct)]);
        }

        var form = await request.ReadFormAsync(new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = KnowledgeDocumentService.MaxDocumentBytes * 4 }, ct);
        if (form.Files.Count == 0)
        {
            throw new ValidationException("file", "Attach at least one file.");
        }

        var uploaded = new List<KnowledgeDocument>();
        foreach (var file in form.Files)
        {
            await using var stream = file.OpenReadStream();
            uploaded.Add(await d.UploadAsync(id, stream, file.FileName, ct));
        }

        return TypedResults.Accepted($"/api/v1/knowledge-bases/{id}/documents", (IReadOnlyList<KnowledgeDocument>)uploaded);
    }

    private static async Task<Ok<DocumentView>> GetDocumentAsync(Guid id, Guid documentId, KnowledgeDocumentService d, CancellationToken ct)
    {
        var details = await d.GetDocumentAsync(id, documentId, ct);
        return TypedResults.Ok(new DocumentView(details.Document, [.. details.Chunks.Select(c => new ChunkView(c.Id, c.Ordinal, c.Heading, c.Text))]));
    }

    private static async Task<FileStreamHttpResult> DownloadDocumentAsync(Guid id, Guid documentId, KnowledgeDocumentService d, CancellationToken ct)
    {
        var (document, content) = await d.OpenDocumentAsync(id, documentId, ct);
        return TypedResults.Stream(content, "application/octet-stream", document.FileName);
    }

    private static async Task<Accepted<KnowledgeDocument>> ReindexDocumentAsync(Guid id, Guid documentId, KnowledgeDocumentService d, CancellationToken ct) =>
        TypedResults.Accepted((string?)null, await d.ReindexDocumentAsync(id, documentId, ct));

    private static async Task<NoContent> DeleteDocumentAsync(Guid id, Guid documentId, KnowledgeDocumentService d, CancellationToken ct)
    {
        await d.DeleteDocumentAsync(id, documentId, ct);
        return TypedResults.NoContent();
    }

    private static KnowledgeBaseView View(KnowledgeBase kb, PermissionLevel level, int documents, int chunks) =>
        new(kb.Id, kb.Name, kb.Description, kb.OwnerId, kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings, kb.EmbeddingModel, kb.RelevanceThreshold, level, documents, chunks, kb.CreatedAt, kb.UpdatedAt);
}

public sealed record ChunkView(Guid Id, int Ordinal, string? Heading, string Text);

public sealed record DocumentView(KnowledgeDocument Document, IReadOnlyList<ChunkView> Chunks);

/// <summary>How many documents a re-index queued.</summary>
public sealed record ReindexQueued(int Queued);

public sealed record SearchInput(string? Query, int? TopK, RetrievalMode? Mode, double? Threshold, double? VectorWeight = null);

public sealed record KnowledgeBaseView(
    Guid Id,
    string Name,
    string? Description,
    Guid OwnerId,
    int ChunkSize,
    int ChunkOverlap,
    bool SplitByHeadings,
    string EmbeddingModel,
    double RelevanceThreshold,
    PermissionLevel Level,
    int Documents,
    int Chunks,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);
