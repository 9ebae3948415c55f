import Foundation
import History
import M4API
import Simulator

/// A week's store of a fleet as the simulator's traffic model makes it (values that change as
/// real ones do: a few busy users and a long quiet tail, days and nights, a quieter weekend),
/// written through the store's own writers: every user's minutes older than a day, and the
/// last day at full resolution, each user every `spacing` seconds, spread over it as the
/// scheduler spreads them.
enum WeekFill {
    static func fill(_ store: HistoryStore, users: Int, days: Int, spacing: TimeInterval, now: Date,
                     peakCallsPerMinute: Double) throws(HistoryError) {
        var settings = SimulatorSettings()
        settings.users = (0..<users).map { "user\($0)" }
        let start = now.addingTimeInterval(-Double(days) * 86_400)
        var model = TrafficModel(users: settings.users, start: start, seed: 25, peakCallsPerMinute: peakCallsPerMinute,
                                 timeZone: TimeZone(identifier: "UTC")!)
        let fullSince = now.timeIntervalSince1970 - HistoryStore.fullResolution
        // A user whose numbers did not move keeps its row (turning numbers into text is the cost).
        var made: [(state: TrafficModel.UserState, sample: MinuteSample)?] = Array(repeating: nil, count: users)
        func sample(_ index: Int, _ state: TrafficModel.UserState, minute: Int) -> MinuteSample {
            if let previous = made[index], previous.state == state { return previous.sample.at(minute: minute) }
            let answer = state.answer(settings: settings)
            let stats = QuickStats(sections: answer.sections.map { section in
                StatSection(name: section.name, fields: section.values.map { StatField(name: $0.0, text: $0.1) })
            }, fields: answer.fields.map { StatField(name: $0.0, text: $0.1) })
            let metrics = StoredSnapshot.answer(stats, server: "bench", user: settings.users[index], at: now).metrics
            let row = MinuteSample(server: "bench", user: settings.users[index], minute: minute, metrics: metrics)
            made[index] = (state, row)
            return row
        }
        var minute = Int((start.timeIntervalSince1970 / 60).rounded(.up))
        var minutes: [MinuteSample] = []
        while Double(minute + 1) * 60 <= fullSince {
            model.advance(to: Date(timeIntervalSince1970: Double(minute + 1) * 60 - 1), step: 60)
            for (index, state) in model.userStates().enumerated() { minutes.append(sample(index, state, minute: minute)) }
            minute += 1
            // An hour at a time: each user's block is written once.
            if minute % 60 == 0 {
                try store.writeMinutes(minutes)
                minutes.removeAll(keepingCapacity: true)
            }
        }
        try store.writeMinutes(minutes)
        var answers: [(sample: MinuteSample, time: Date)] = []
        var step = (fullSince / spacing).rounded(.up) * spacing
        while step < now.timeIntervalSince1970 {
            model.advance(to: Date(timeIntervalSince1970: step), step: spacing)
            for (index, state) in model.userStates().enumerated() {
                let time = step + Double(index) * spacing / Double(users)
                guard time < now.timeIntervalSince1970 else { continue }
                answers.append((sample(index, state, minute: Int(time / 60)), Date(timeIntervalSince1970: time)))
            }
            if answers.count >= 50_000 {
                try store.writeSnapshots(answers)
                answers.removeAll(keepingCapacity: true)
            }
            step += spacing
        }
        try store.writeSnapshots(answers)
    }
}
