// SPDX-License-Identifier: Apache-2.0

/// An array that keeps its first element inline and only the rest on the heap. A zone holds one of
/// these per name (its RRsets) and one per RRset (its records), and nearly all hold one element: as
/// `Array`s each would be a heap object of its own, some 64 bytes with malloc's overhead (over
/// 6 MiB in a zone of 100,000 names).
///
/// Invariant: `head` is nil only when the array is empty, so equal contents have equal fields.
public struct SmallArray<Element> {
    @usableFromInline var head: Element?
    @usableFromInline var tail: [Element] = []

    @inlinable public init() {}

    @inlinable public init(_ elements: some Sequence<Element>) {
        var iterator = elements.makeIterator()
        head = iterator.next()
        if head != nil { tail = Array(IteratorSequence(iterator)) }
    }
}

extension SmallArray: RandomAccessCollection, MutableCollection {
    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { head == nil ? 0 : 1 + tail.count }

    @inlinable public subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < endIndex, "SmallArray index out of range")
            return position == 0 ? head! : tail[position - 1]
        }
        _modify {  // in place: an element's own array edited through here is not copied first
            precondition(position >= 0 && position < endIndex, "SmallArray index out of range")
            if position == 0 { yield &head! } else { yield &tail[position - 1] }
        }
    }
}

extension SmallArray: RangeReplaceableCollection {
    /// The general case (a copy); the common edits below do not go through it.
    @inlinable public mutating func replaceSubrange<C: Collection<Element>>(_ subrange: Range<Int>, with elements: C) {
        var all = Array(self)
        all.replaceSubrange(subrange, with: elements)
        self = SmallArray(all)
    }

    @inlinable public mutating func append(_ element: Element) {
        if head == nil { head = element } else { tail.append(element) }
    }

    @inlinable public mutating func insert(_ element: Element, at position: Int) {
        precondition(position >= 0 && position <= endIndex, "SmallArray index out of range")
        guard position == 0 else { return tail.insert(element, at: position - 1) }
        if let old = head { tail.insert(old, at: 0) }
        head = element
    }

    @inlinable @discardableResult
    public mutating func remove(at position: Int) -> Element {
        precondition(position >= 0 && position < endIndex, "SmallArray index out of range")
        guard position == 0 else { return tail.remove(at: position - 1) }
        let old = head!
        head = tail.isEmpty ? nil : tail.removeFirst()
        return old
    }
}

extension SmallArray: ExpressibleByArrayLiteral {
    @inlinable public init(arrayLiteral elements: Element...) { self.init(elements) }
}

extension SmallArray: Equatable where Element: Equatable {}
extension SmallArray: Hashable where Element: Hashable {}
extension SmallArray: Sendable where Element: Sendable {}

extension SmallArray: CustomStringConvertible {
    @inlinable public var description: String { Array(self).description }
}
