"""The omni dialect driven end to end through a client generated from its served OpenAPI
document (openapi-python-client): sign-up, the widget channel, a customer writing through the
widget API, the team answering, closing and reading the stats, the customer rating it. Every
answer is parsed by the generated models, and the client raises on any status the document does
not list. Run by tools/openapi-client-check.sh; argument: base URL.
"""
import sys
import uuid

from parley_omni_api_client import AuthenticatedClient, Client
from parley_omni_api_client.api.default import (
    close_conversation, get_conversation, get_stats, get_subscription, list_channels, list_conversations,
    list_customers, list_messages, list_team, register, send_message, update_channel, widget_history, widget_init,
    widget_rate, widget_send,
)
from parley_omni_api_client.models import (
    Error, RegisterBody, SendMessageBody, UpdateChannelBody, UpdateChannelBodyConfigType0, WidgetInitBody,
    WidgetRateBody, WidgetSendBody,
)
from parley_omni_api_client.types import Response

steps = 0


def ok(response: Response, status: int):
    """The parsed answer of a success with the expected status."""
    global steps
    steps += 1
    assert response.status_code == status, (status, response.status_code, response.content)
    assert response.parsed is not None and not isinstance(response.parsed, Error), response.content
    return response.parsed


def failed(response: Response, status: int, code: str) -> None:
    global steps
    steps += 1
    assert response.status_code == status, (status, response.status_code, response.content)
    assert isinstance(response.parsed, Error) and str(response.parsed.code) == code, response.content


def main(base: str) -> None:
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)

    # A new team signs up; its widget channel takes any origin until the owner lists some.
    email = f"owner-{uuid.uuid4().hex[:8]}@example.org"
    tokens = ok(register.sync_detailed(client=anonymous, body=RegisterBody(
        email=email, password="correct horse battery", company_name="Omni Co", first_name="Olga")), 201).data
    owner = AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)
    channel = ok(list_channels.sync_detailed(client=owner), 200).data[0]
    assert str(channel.type_) == "widget" and channel.config.any_origin and channel.config.allowed_origins == []
    key = channel.config.public_key
    updated = ok(update_channel.sync_detailed(client=owner, channel_id=channel.id, body=UpdateChannelBody(
        config=UpdateChannelBodyConfigType0(greeting="Hello from Omni Co",
                                            allowed_origins=["https://omni.example"]))), 200).data
    assert updated.config.allowed_origins == ["https://omni.example"] and not updated.config.any_origin

    # A customer opens the widget and writes.
    session = f"browser-{uuid.uuid4().hex}"
    started = ok(widget_init.sync_detailed(client=anonymous, body=WidgetInitBody(
        api_key=key, session_id=session, name="Wanda")), 201).data
    assert started.channel.greeting == "Hello from Omni Co" and started.conversation_id is None
    sent = ok(widget_send.sync_detailed(client=anonymous, body=WidgetSendBody(
        api_key=key, session_id=session, content="Can I change my order?")), 201).data
    assert str(sent.sender_type) == "customer" and sent.seq == 1
    conversation_id = sent.conversation_id

    # The team sees it and answers.
    listed = ok(list_conversations.sync_detailed(client=owner), 200)
    assert [c.id for c in listed.data] == [conversation_id] and listed.meta.total == 1
    assert str(listed.data[0].status) == "pending" and listed.data[0].customer.name == "Wanda"
    reply = ok(send_message.sync_detailed(client=owner, conversation_id=conversation_id, body=SendMessageBody(
        content="Yes, until it ships.")), 201).data
    assert str(reply.sender_type) == "agent" and reply.seq == 2
    page = ok(list_messages.sync_detailed(client=owner, conversation_id=conversation_id), 200)
    assert [m.seq for m in page.data] == [1, 2] and not page.meta.has_more
    history = ok(widget_history.sync_detailed(client=anonymous, api_key=key, session_id=session), 200)
    assert [m.content for m in history.data] == ["Can I change my order?", "Yes, until it ships."]

    # Closed and rated; the stats count it.
    closed = ok(close_conversation.sync_detailed(client=owner, conversation_id=conversation_id), 200).data
    assert str(closed.status) == "closed"
    rated = ok(widget_rate.sync_detailed(client=anonymous, body=WidgetRateBody(
        api_key=key, session_id=session, score=5, comment="Thanks!")), 201).data
    assert rated.conversation_id == conversation_id and rated.score == 5
    stats = ok(get_stats.sync_detailed(client=owner), 200).data
    assert stats.conversations.total == 1 and stats.messages.from_customers == 1 and stats.messages.from_agents == 1
    assert stats.satisfaction.average == 5 and stats.satisfaction.responses == 1
    customers = ok(list_customers.sync_detailed(client=owner), 200)
    assert [c.name for c in customers.data] == ["Wanda"] and customers.data[0].conversations_count == 1
    team = ok(list_team.sync_detailed(client=owner), 200)
    assert [str(m.role_id) for m in team.data] == ["owner"] and team.data[0].email == email
    assert str(ok(get_subscription.sync_detailed(client=owner), 200).data.plan) == "free"

    # Errors parse into the documented Error model.
    failed(get_conversation.sync_detailed(client=owner, conversation_id="00000004-0000-4000-8000-00000000ffff"),
           404, "NOT_FOUND")
    failed(widget_send.sync_detailed(client=anonymous, body=WidgetSendBody(
        api_key=key, session_id=f"browser-{uuid.uuid4().hex}", content="who am I?")), 404, "NOT_FOUND")
    print(f"openapi omni client round trip: {steps} calls through the generated client, all as documented")


if __name__ == "__main__":
    main(sys.argv[1])
