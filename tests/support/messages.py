"""Messages and templates."""

SEND = """mutation($i: SendMessageInput!) { sendMessage(input: $i) {
  message { id body sender senderName conversation { id } session { id } } userErrors { code field message } } }"""
SEND_MESSAGE = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { userErrors { code } } }"
TEMPLATE = """mutation($i: CreateMessageTemplateInput!) { createMessageTemplate(input: $i) { template { id body } userErrors { code field } } }"""
