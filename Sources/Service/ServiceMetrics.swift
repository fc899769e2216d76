import Hummingbird
import Prometheus

/// The service's Prometheus metrics (GET /metrics): requests by route and status, latency by
/// route, requests queued or running, errors by kind.
final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let depthGauge: Gauge

    static let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                                             .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "camkit", subsystem: "http", metricName: "requests", unitName: "total",
                                               helpText: "HTTP requests by route and status") }
    static var latency: MetricNameDescriptor { MetricNameDescriptor(namespace: "camkit", subsystem: "http", metricName: "request_duration", unitName: "seconds",
                                              helpText: "HTTP request latency by route") }
    static var errors: MetricNameDescriptor { MetricNameDescriptor(namespace: "camkit", metricName: "errors", unitName: "total", helpText: "Problem responses by kind") }

    init() {
        depthGauge = registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "camkit", metricName: "queue", unitName: "depth",
                                                                         helpText: "Explain and classify requests queued or running"))
        for kind in ServiceProblem.Kind.allCases { _ = errorCounter(kind) }
    }

    func setDepth(_ n: Int) { depthGauge.set(Int64(n)) }

    func record(route: String, status: Int, elapsed: Duration) {
        registry.makeCounter(descriptor: Self.requests, labels: [("route", route), ("status", String(status))]).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route)], buckets: Self.latencyBuckets).record(elapsed)
    }

    func error(_ kind: ServiceProblem.Kind) { errorCounter(kind).increment() }

    private func errorCounter(_ kind: ServiceProblem.Kind) -> Counter {
        registry.makeCounter(descriptor: Self.errors, labels: [("kind", kind.rawValue)])
    }
}

/// Records every request's route, status and latency.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.record(route: route, status: response.status.code, elapsed: .now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(route: route, status: status, elapsed: .now - start)
            throw error
        }
    }
}
