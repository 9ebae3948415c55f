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
}
