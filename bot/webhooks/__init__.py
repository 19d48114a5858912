"""HTTP in from residents: the LINE and Messenger webhooks store events before answering; the worker answers them."""
