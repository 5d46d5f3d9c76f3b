"""Every outcome is told: what happened to what staff raised (issue #18, item 3).

`raisers` finds who raised or fed a signal (its raiser, the huddle obstacle it came from, the staff
whose own, signed feedback mentioned its root cause; never an anonymous survey answer); `tell`
notifies them when a signal is dismissed or merged, or its initiative deferred or rejected;
`words` puts an outcome in words; `selectors` and `views` build "What happened to what I raised".
"""
