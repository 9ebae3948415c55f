import NIOCore

/// Runs a task's nonisolated async work on one event loop: a poll started with this executor
/// as its preference sends, waits for and parses its answer on the loop of its connection, so
/// the answer costs one hop back to the caller instead of three through Swift's global pool
/// (each a thread woken: most of an idle dashboard's CPU at a 1 s poll was such wake-ups).
package final class LoopExecutor: TaskExecutor {
    package let loop: any EventLoop

    package init(_ loop: any EventLoop) {
        self.loop = loop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// The loop as an actor's executor (NIO's own): an actor that takes it runs on the loop, so
    /// an answer read there reaches it without a thread switch.
    package var serialExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    /// Runs `body` on the loop after `seconds`: a timer of the loop's own (its epoll wait), not
    /// one of libdispatch's, which wakes a manager thread and then a worker for each firing.
    package func after(_ seconds: Double, _ body: @escaping @Sendable () -> Void) -> LoopTimer {
        LoopTimer(scheduled: loop.scheduleTask(in: .nanoseconds(Int64(max(0, seconds) * 1e9)), body))
    }
}

/// A timer set with `LoopExecutor.after`.
package struct LoopTimer: Sendable {
    let scheduled: Scheduled<Void>

    package func cancel() { scheduled.cancel() }
}
