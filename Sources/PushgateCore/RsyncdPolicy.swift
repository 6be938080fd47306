// What rsyncd.conf must look like for the areas to hold: checked by pushgate-serve before every
// allowed session and by pushgate doctor, with the same function.
//
// Every module must map into the connecting key's own area, ROOT/keys/%PUSHGATE_KEY%/...,
// which rsync expands from the environment the gate builds from the validated --key
// (rsyncd.conf(5), "references to environment variables"). The push module must be exactly
// that area's incoming/, the directory the area's snapshots are taken of; every other module
// must be read-only and inside the area's snapshots/ (a module on the area itself would expose
// or, writable, let a client rewrite the gate's state/ and rsnapshot.conf). No module may set
// the parameters through which the gate learns what rsync did ('transfer logging',
// 'log file', 'log format', 'pre-xfer exec', 'post-xfer exec'): a value set inside a module
// wins over the gate's --dparam, and would hide the session's changes. '&include' and
// '&merge' are refused because what they add cannot be checked.
//
// Two rules keep snapshots whole: the push module ends its 'incoming chmod' with
// 'Du+rwx,Fu+rw', so no client can store a file the backup account cannot read (rsnapshot's
// sync would then end with rsync 23 on every run), and a module on snapshots/ itself excludes
// '/.sync/', the half-made next snapshot, which no client may restore from.

/// The rules rsyncd.conf must follow under pushgate.
public enum RsyncdPolicy {
  /// The variable the gate sets to the key label for rsync's `%VAR%` expansion.
  public static let keyVariable = "PUSHGATE_KEY"

  /// Parameters that only the gate may set, because they carry its evidence.
  public static let reservedParameters = [
    "transfer logging", "log file", "log format", "pre-xfer exec", "post-xfer exec",
  ]

  /// The push module's `incoming chmod` must end with these items (in this order).
  public static let incomingChmod = "Du+rwx,Fu+rw"

  /// The `exclude` pattern a module on the area's snapshots/ must carry.
  public static let syncExclude = "/.sync/"

  /// `ROOT/keys/%PUSHGATE_KEY%`: the start of every module's path.
  public static func areaPath(_ settings: Settings) -> String {
    settings.keysDirectory + "/%" + keyVariable + "%"
  }

  /// The problems that stop the gate from serving, one line each; empty when there are none.
  public static func problems(_ conf: RsyncdConf, settings: Settings) -> [String] {
    let file = settings.rsyncdConf
    var problems = conf.directives.map {
      "\(file):\($0.line): '\(SettingsParser.visible($0.name))' is not allowed: what it adds "
        + "cannot be checked"
    }
    let area = areaPath(settings)
    guard let push = conf.module(settings.pushModule) else {
      return problems + ["\(file) has no [\(settings.pushModule)] module"]
    }
    let expected = area + "/incoming"
    let pushPath = conf.effective("path", in: push).map { trimSlash($0.value) }
    if pushPath.map({ !$0.utf8.elementsEqual(expected.utf8) }) ?? true {
      problems.append(
        "\(file): module '\(settings.pushModule)' must have 'path = \(expected)', not "
          + "'\(SettingsParser.visible(pushPath ?? ""))'")
    }
    if !endsWithIncomingChmod(conf.effective("incoming chmod", in: push)?.value) {
      problems.append(
        "\(file): module '\(settings.pushModule)' must end its 'incoming chmod' with "
          + "'\(incomingChmod)': a pushed file the backup account cannot read fails every "
          + "snapshot")
    }
    for module in conf.modules {
      let name = SettingsParser.visible(module.name)
      let isPush = module.name.utf8.elementsEqual(settings.pushModule.utf8)
      if !isPush, let path = conf.effective("path", in: module)?.value {
        let snapshots = area + "/snapshots"
        let trimmed = trimSlash(path)
        let exclude = conf.effective("exclude", in: module)?.value
        if trimmed.utf8.elementsEqual(snapshots.utf8), !excludesSync(exclude) {
          problems.append(
            "\(file): module '\(name)' must have 'exclude = \(syncExclude)': a client must "
              + "never restore the half-made next snapshot")
        } else if trimmed.utf8.elementsEqual(snapshots.utf8),
          let rule = ["include", "include from", "filter"].first(where: {
            conf.effective($0, in: module) != nil
          })
        {
          problems.append(
            "\(file): module '\(name)' sets '\(rule)', which rsync applies before 'exclude' "
              + "and so could show the half-made next snapshot (.sync); remove it")
        } else if isInsideArea(trimmed, area: snapshots + "/.sync") {
          problems.append(
            "\(file): module '\(name)' has 'path = \(SettingsParser.visible(path))': "
              + "snapshots/.sync/ is the half-made next snapshot, never a module")
        }
      }
      if let path = conf.effective("path", in: module)?.value {
        if !isInsideArea(trimSlash(path), area: area) {
          problems.append(
            "\(file): module '\(name)' has 'path = \(SettingsParser.visible(path))', outside "
              + "\(area)/: every module must stay inside the key's own area")
        } else if !isPush && !isInsideArea(trimSlash(path), area: area + "/snapshots") {
          problems.append(
            "\(file): module '\(name)' has 'path = \(SettingsParser.visible(path))': a module "
              + "other than '\(settings.pushModule)' must be in \(area)/snapshots/")
        }
      } else {
        problems.append("\(file): module '\(name)' has no path")
      }
      if !isPush,
        conf.effective("read only", in: module).flatMap({ RsyncdConf.bool($0.value) }) == false
      {
        problems.append(
          "\(file): module '\(name)' is writable: only '\(settings.pushModule)' may be; set "
            + "'read only = yes'")
      }
      for parameter in reservedParameters {
        if let found = module.parameter(parameter) {
          problems.append(
            "\(file):\(found.line): module '\(name)' sets '\(parameter)', which would hide "
              + "what rsync did from pushgate-serve; remove it")
        }
      }
    }
    return problems
  }

  /// Whether an `incoming chmod` value ends with ``incomingChmod``'s items: later items could
  /// take the rights away again, earlier ones cannot.
  static func endsWithIncomingChmod(_ value: String?) -> Bool {
    let items = (value ?? "").split(separator: ",").map { $0.filter { $0 != " " && $0 != "\t" } }
    let wanted = incomingChmod.split(separator: ",").map(String.init)
    return items.suffix(wanted.count).elementsEqual(wanted)
  }

  /// Whether an `exclude` value (patterns separated by spaces) hides the top `.sync`
  /// directory.
  static func excludesSync(_ value: String?) -> Bool {
    let patterns = (value ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" })
    return patterns.contains { ["/.sync/", "/.sync", ".sync/", ".sync"].contains(String($0)) }
  }

  /// Whether `path` is `area` or a normalised path below it of safe characters.
  static func isInsideArea(_ path: String, area: String) -> Bool {
    guard path.utf8.starts(with: (area + "/").utf8) else {
      return path.utf8.elementsEqual(area.utf8)
    }
    let rest = path.utf8.dropFirst(area.utf8.count + 1)
    let parts = rest.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    return rest.allSatisfy(PathRules.isSafe)
      && parts.allSatisfy {
        !$0.isEmpty && !$0.elementsEqual(".".utf8) && !$0.elementsEqual("..".utf8)
      }
  }

  private static func trimSlash(_ path: String) -> String {
    var path = path
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return path
  }
}
