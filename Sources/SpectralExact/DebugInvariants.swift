/// Checks a complex's invariants in debug builds only (`validate` is a pass over the whole complex, too slow to pay
/// on every release run), stopping with the first problem it names. Release builds skip the check entirely; the
/// tests call `validate` themselves.
@inline(__always)
func assertInvariants(_ what: @autoclosure () -> String, _ problem: @autoclosure () -> String?) {
    assert(
        {
            if let problem = problem() { assertionFailure("\(what()): \(problem)") }
            return true
        }())
}
