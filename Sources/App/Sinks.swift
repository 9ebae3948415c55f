import Exporter
import History
import Watch

/// Whatever hears the fleet's answers besides the screen, for each kind of run. A new sink is
/// its own file and a line here.
enum Sinks {
    /// The dashboard, the overview and the wall: the history store, when it is open.
    static func live(history: HistorySetup) -> [any FleetSink] {
        history.recorder.map { [HistorySink(recorder: $0, serverNames: history.serverNames)] } ?? []
    }

    /// The exporter: its series, and the history store when it is open.
    static func exporter(series: FleetSeries, history: HistorySetup) -> [any FleetSink] { [series] + live(history: history) }
}
