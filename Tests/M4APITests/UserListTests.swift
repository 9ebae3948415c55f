import Foundation
import M4API
import Simulator
import Testing
import TestSupport
import TextSafety

@Suite("users_get: parsing, errors, signing")
struct UserListParserTests {
    /// The documented shape: the list inside `<status>` inside `<page>`.
    static let documented = """
    <?xml version="1.0" encoding="UTF-8"?>
    <page><status><users>
      <user><id>0</id><username>admin</username><first_name>System</first_name><last_name>Admin</last_name><balance>0</balance>
        <blocked>0</blocked><tariff_id>1</tariff_id><owner_id>0</owner_id><usertype>admin</usertype><user_status></user_status><hidden>0</hidden></user>
      <user><id>2</id><username>alice</username><first_name>Alice</first_name><last_name>Smith</last_name><balance>12.5</balance>
        <blocked>0</blocked><tariff_id>3</tariff_id><owner_id>0</owner_id><usertype>user</usertype><user_status>ok</user_status><hidden>0</hidden></user>
      <user><id>3</id><username>bob</username><first_name>Bob</first_name><last_name></last_name><balance>-3.25</balance>
        <blocked>1</blocked><tariff_id>3</tariff_id><owner_id>0</owner_id><usertype>user</usertype><user_status></user_status><hidden>0</hidden></user>
      <user><id>4</id><username>ghost</username><first_name></first_name><last_name></last_name><balance>0</balance>
        <blocked>0</blocked><usertype>user</usertype><hidden>1</hidden></user>
    </users></status></page>
    """

    func users(_ xml: String) throws -> [M4User] {
        guard case .users(let users) = try UserListParser.parse(Data(xml.utf8)) else {
            Issue.record("expected a list")
            throw CancellationError()
        }
        return users
    }

    func failure(_ xml: String) -> FetchError? {
        do {
            _ = try UserListParser.parse(Data(xml.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test("The documented answer: every user with names, balance, blocked, hidden and type")
    func documentedAnswer() throws {
        let list = try users(Self.documented)
        #expect(list.map(\.username) == ["admin", "alice", "bob", "ghost"])
        #expect(list[1] == M4User(id: "2", username: "alice", firstName: "Alice", lastName: "Smith",
                                  balance: Decimal(string: "12.5"), blocked: false, hidden: false, userType: "user"))
        #expect(list[1].fullName == "Alice Smith")
        #expect(list[2].blocked && list[2].balance == Decimal(string: "-3.25"))
        #expect(list[3].hidden)
        #expect(list[0].userType == "admin")
    }

    @Test("Without <status>, without <page>, older servers without hidden: still read")
    func wrappersAndOlderServers() throws {
        #expect(try users("<page><users><user><username>a</username></user></users></page>").map(\.username) == ["a"])
        #expect(try users("<users><user><username>a</username><blocked>true</blocked></user></users>").first?.blocked == true)
        let old = try users("<page><status><users><user><id>5</id><username>old</username><balance>1</balance><blocked>0</blocked></user></users></status></page>")
        #expect(old.first?.hidden == false)
        #expect(try users("<page><status><users></users></status></page>").isEmpty)
        #expect(try users("<page><status><users><user><username>n</username><new_field>x</new_field></user></users></status></page>").count == 1)
    }

    @Test("Odd values: no balance, garbage balance, odd flags, no username, duplicates, unsafe names")
    func oddValues() throws {
        let list = try users("""
        <page><status><users>
        <user><username>nobalance</username></user>
        <user><username>garbage</username><balance>12,50 EUR</balance><blocked>yes</blocked><hidden>maybe</hidden></user>
        <user><id>9</id></user>
        <user><username>  </username></user>
        <user><username>nobalance</username><balance>99</balance></user>
        <user><username>evil\u{1B}[2J</username></user>
        <user><username>fine</username><first_name>\u{1B}]0;pwned\u{07}Eve</first_name></user>
        </users></status></page>
        """)
        #expect(list.map(\.username) == ["nobalance", "garbage", "fine"], "no name, a blank name, a duplicate and an unsafe name are skipped")
        #expect(list[0].balance == nil)
        #expect(list[1].balance == nil, "not a plain number")
        #expect(list[1].blocked && !list[1].hidden)
        #expect(!list[2].firstName.unicodeScalars.contains(where: TerminalSafeText.isUnsafe))
    }

    @Test("Every documented error, in every wrapper", arguments: ["API Requests are disabled", "GET Requests are disabled",
                                                                  "Access Denied", "Incorrect hash",
                                                                  "You are not authorized to view this page"])
    func errors(text: String) throws {
        for xml in ["<status><error>\(text)</error></status>", "<page><status><error>\(text)</error></status></page>",
                    "<page><error>\(text)</error></page>"] {
            guard case .apiError(let error) = try UserListParser.parse(Data(xml.utf8)) else {
                Issue.record("expected an API error for \(xml)")
                continue
            }
            #expect(error.text == text)
            #expect(error.kind != nil)
        }
        #expect(APIError(text: "You are not authorized to view this page").kind == .notAuthorized)
        #expect(APIError(text: "You are not authorized to view this page").hint?.contains("admin") == true)
    }

    @Test("Not a list: a quickstats answer, HTML, garbage, cut off, too many elements")
    func notAList() {
        #expect(failure("<page><quickstats><today/></quickstats></page>") == .response(.unexpectedXML(root: "page", expected: "users_get")))
        #expect(failure("<!DOCTYPE html><html><body>Login</body></html>") == .response(.htmlPage))
        #expect(failure("Internal error") == .response(.notXML(preview: "Internal error")))
        #expect(failure("<page><status><users><user><username>a</user") == .response(.truncated))
        let huge = "<users>" + String(repeating: "<user><username>x</username></user>", count: 200_001) + "</users>"
        if case .response(.tooComplex) = failure(huge) {} else { Issue.record("a list past the element limit is refused") }
    }

    @Test("A large real list (5,000 users) is read, within the limits")
    func largeList() throws {
        let entries = (1...5000).map { "<user><id>\($0)</id><username>u\($0)</username><first_name>F</first_name><last_name>L</last_name><balance>\($0).5</balance><blocked>0</blocked><tariff_id>1</tariff_id><owner_id>0</owner_id><usertype>user</usertype><user_status></user_status><hidden>0</hidden></user>" }
        let list = try users("<page><status><users>" + entries.joined() + "</users></status></page>")
        #expect(list.count == 5000)
        #expect(list.last?.balance == Decimal(string: "5000.5"))
    }

    @Test("The hash covers u and user_id, the admin's name included: SHA1(u + user_id + secret)")
    func signing() throws {
        let signer = RequestSigner(adminName: "admin")
        #expect(signer.usersGetHash(admin: "admin", userID: "all", secret: "secret") == RequestSigner.sha1Hex("adminallsecret"))
        #expect(RequestSigner(hashDisabled: true).usersGetHash(admin: "admin", userID: "all", secret: "s") == nil)
        let url = try QuickStatsEndpoint.methodURL(fromBase: "https://h/billing")
        let client = M4Client(settings: ConnectionSettings(methodURL: url), secret: "secret")
        let request = client.usersRequest()
        #expect(request.methodURL.absoluteString == "https://h/billing/api/users_get")
        #expect(request.parameters.map(\.name) == ["u", "user_id", "hash"])
        #expect(request["user_id"] == "all")
        #expect(request["hash"] == RequestSigner.sha1Hex("adminallsecret"))
    }
}

/// The real client's users_get against the simulator over loopback.
@Suite("users_get over loopback HTTP")
struct UserListOverLoopbackTests {
    func client(_ running: RunningSimulator, secret: String = "secret", admin: String = "admin", method: RequestMethod = .post) throws -> M4Client {
        M4Client(settings: ConnectionSettings(methodURL: try QuickStatsEndpoint.methodURL(fromBase: running.baseURL), method: method,
                                              signer: RequestSigner(adminName: admin), timeoutSeconds: 5),
                 secret: secret)
    }

    func outcome(_ client: M4Client) async -> Result<[M4User], FetchError> {
        do { return .success(try await client.fetchUsers()) } catch { return .failure(error) }
    }

    @Test("A fleet: every user, blocked and hidden marked, balances as the users' own")
    func fleet() async throws {
        var settings = SimulatorSettings()
        settings.makeFleet(count: 50)
        // The simulated clock stands still: on a loaded machine seconds pass between the two
        // requests, and the balances moved with the traffic in between.
        let running = try await RunningSimulator.start(SimulatedServer(settings: settings, seed: 4, speed: 0))
        defer { Task { await running.stop() } }
        let list = try await client(running).fetchUsers()
        #expect(list.count == 51)
        #expect(list.first?.username == "admin" && list.first?.userType == "admin")
        #expect(list.filter(\.blocked).map(\.username) == ["user0010", "user0020", "user0030", "user0040", "user0050"])
        #expect(list.filter(\.hidden).map(\.username) == ["user0025", "user0050"])
        let alice = try await client(running).fetch(user: "user0001")
        #expect(list.first { $0.username == "user0001" }?.balance == alice.field("balance")?.number)
        let requests = await running.server.requests
        #expect(requests.total == 2 && requests.perUser["users_get"] == 1 && requests.perUser["user0001"] == 1)
    }

    @Test("Big indented lists are taken whole: the whitespace between <user> elements is not a value", arguments: [600, 1_000, 20_000])
    func bigIndentedLists(users: Int) async throws {
        var settings = SimulatorSettings()
        settings.makeFleet(count: users)
        let running = try await RunningSimulator.start(SimulatedServer(settings: settings, seed: 4))
        defer { Task { await running.stop() } }
        var client = try client(running)
        // Not a speed check: a debug build's 20,000 users took 30 s with a build beside it.
        client = M4Client(settings: ConnectionSettings(methodURL: client.settings.methodURL, method: .post, signer: RequestSigner(adminName: "admin"),
                                                       timeoutSeconds: 120), secret: "secret")
        let list = try await client.fetchUsers()
        #expect(list.count == users + 1)
        #expect(list.last?.username == String(format: "user%04d", users))
    }

    @Test("Refusals in plain words: wrong secret, a simple user, no permission, API off, GET off")
    func refusals() async throws {
        var settings = SimulatorSettings()
        let running = try await RunningSimulator.start(SimulatedServer(settings: settings, seed: 4))
        defer { Task { await running.stop() } }
        #expect(await outcome(try client(running, secret: "wrong")) == .failure(.api(APIError(text: "Incorrect hash"))))
        #expect(await outcome(try client(running, admin: "alice")) == .failure(.api(APIError(text: "You are not authorized to view this page"))))
        #expect(await outcome(try client(running, admin: "nobody")) == .failure(.api(APIError(text: "Access Denied"))))
        #expect(await outcome(try client(running, method: .get)) == .failure(.api(APIError(text: "GET Requests are disabled"))))
        await running.server.update { $0.usersGetAllowed = false }
        #expect(await outcome(try client(running)) == .failure(.api(APIError(text: "You are not authorized to view this page"))))
        await running.server.update { $0.apiEnabled = false }
        #expect(await outcome(try client(running)) == .failure(.api(APIError(text: "API Requests are disabled"))))
        settings.apiEnabled = true
    }
}

