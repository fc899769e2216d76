#if canImport(Glibc)
import Glibc
#endif

extension OutputFolder {
    /// Removes the temporaries that killed runs left in the tree and returns their paths.
    /// The walk stays inside the folder: sub-folders are entered with `O_NOFOLLOW`, so a symlink
    /// inside cannot lead the removal elsewhere.
    ///
    /// Temporaries are named `.camkit-tmp-<pid>.<host>-<random>-<name>`: on this host the files
    /// of live writers are kept (another process may share the folder); another host's writer
    /// cannot be asked, so its files go only when older than `abandonedAfter` seconds (a write
    /// takes seconds).
    @discardableResult
    public func removeStaleTemporaries(abandonedAfter: Double = 3600) -> [String] {
        var removed: [String] = []
        sweep(dup(fd), display: path, depth: 0, abandonedAfter: abandonedAfter, removed: &removed)
        return removed
    }

    private func sweep(_ dirFD: Int32, display: String, depth: Int, abandonedAfter: Double, removed: inout [String]) {
        guard dirFD >= 0 else { return }
        guard depth < 64, let dir = fdopendir(dirFD) else { close(dirFD); return }
        defer { closedir(dir) }
        var entries: [(name: [CChar], isDir: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.bindMemory(to: CChar.self).prefix { $0 != 0 })
            }
            if name == [46] || name == [46, 46] { continue }
            var info = stat()
            guard fstatat(dirFD, name + [0], &info, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            entries.append((name, (info.st_mode & S_IFMT) == S_IFDIR))
        }
        let prefix = Array(AtomicFile.temporaryPrefix.utf8).map { CChar(bitPattern: $0) }
        for (name, isDir) in entries {
            let shown = display + "/" + String(decoding: name.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if isDir {
                let sub = openat(dirFD, name + [0], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                sweep(sub, display: shown, depth: depth + 1, abandonedAfter: abandonedAfter, removed: &removed)
            } else if name.starts(with: prefix), isStale(name: Array(name.dropFirst(prefix.count)), in: dirFD, abandonedAfter: abandonedAfter) {
                if unlinkat(dirFD, name + [0], 0) == 0 { removed.append(shown) }
            }
        }
    }

    private func isStale(name tail: [CChar], in dirFD: Int32, abandonedAfter: Double) -> Bool {
        let tag = String(decoding: tail.prefix { $0 != 45 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let own = AtomicFile.writerTag
        if tag.drop(while: { $0 != "." }) == own.drop(while: { $0 != "." }) {
            guard let pid = Int32(tag.prefix { $0 != "." }) else { return true }
            return pid != getpid() && kill(pid, 0) != 0 && errno != EPERM
        }
        var info = stat()
        let full = Array(AtomicFile.temporaryPrefix.utf8).map { CChar(bitPattern: $0) } + tail + [0]
        guard fstatat(dirFD, full, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return false }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec - info.st_mtim.tv_sec) > abandonedAfter
    }
}
