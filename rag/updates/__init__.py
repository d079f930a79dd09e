"""What a reader who follows the news is told next, built on `Assistant.ask` (an entry-point layer).

`story`: a followed question's new cited sentences after an ingest.
`digest`: a day's main events, one cited sentence each.
Adapters (the Slack bot) store, schedule and format what these return.
"""
