"""A support conversation driven end to end through a client generated from the served OpenAPI
document (openapi-python-client). Every answer is parsed by the generated models, which raise
on a missing required field or an unknown enum value, and the client raises on any status the
document does not list. Run by tools/openapi-client-check.sh; arguments: base URL, owner token.
"""
import sys
import uuid

from parley_native_api_client import AuthenticatedClient, Client
from parley_native_api_client.api.default import (
    agent_performance, assign_conversation, close_conversation, create_conversation, dashboard,
    get_conversation, get_site, get_visitor, list_active_visitors, list_agents,
    list_conversations, list_messages, list_notifications, list_sites, login, logout,
    mark_messages_read, mark_notifications_read, refresh, register_visitor, send_message,
    send_typing, update_agent_status, validate_token,
)
from parley_native_api_client.models import (
    AssignConversationBody, CloseConversationBody, CreateConversationBody, Error, LoginBody,
    MarkMessagesReadBody, MarkNotificationsReadBody, RefreshBody, RegisterVisitorBody,
    RegisterVisitorBodyMetadataType0, SendMessageBody, SendMessageBodyType, SendTypingBody, UpdateAgentStatusBody,
    UpdateAgentStatusBodyStatus,
)
from parley_native_api_client.types import Response

steps = 0


def ok(response: Response, status: int):
    """The parsed envelope of a success answer with the expected status."""
    global steps
    steps += 1
    assert response.status_code == status, (status, response.status_code, response.content)
    assert response.parsed is not None and not isinstance(response.parsed, Error), response.content
    assert response.parsed.success is True
    return response.parsed


def failed(response: Response, status: int, code: str) -> None:
    global steps
    steps += 1
    assert response.status_code == status, (status, response.status_code, response.content)
    assert isinstance(response.parsed, Error), response.content
    assert response.parsed.success is False and str(response.parsed.error.code) == code, response.content


def main(base: str, owner_token: str) -> None:
    anonymous = Client(base_url=base, raise_on_unexpected_status=True)
    owner = AuthenticatedClient(base_url=base, token=owner_token, raise_on_unexpected_status=True)

    # The helper agent logs in; the owner's token came from the fixture.
    tokens = ok(login.sync_detailed(client=anonymous, body=LoginBody(username="helper", password="correct horse")), 200).data
    assert tokens.user.username == "helper" and str(tokens.user.role) == "support_agent"
    agent = AuthenticatedClient(base_url=base, token=tokens.token, raise_on_unexpected_status=True)
    checked = ok(validate_token.sync_detailed(client=agent), 200).data
    assert checked.valid and checked.user.id == tokens.user.id

    sites = ok(list_sites.sync_detailed(client=owner), 200).data
    assert sites.total == 1 and (sites.pagination.page, sites.pagination.limit, sites.pagination.total) == (1, 20, 1)
    site_id = sites.sites[0].id
    site = ok(get_site.sync_detailed(client=owner, site_id=site_id), 200).data
    assert site.public_key.startswith("pk_") and site.secret_key.startswith("sk_")

    # A widget registers its visitor, who opens a conversation and writes.
    client_id = f"widget-{uuid.uuid4()}"
    metadata = RegisterVisitorBodyMetadataType0.from_dict({"page": "/pricing"})
    registered = ok(register_visitor.sync_detailed(client=anonymous, body=RegisterVisitorBody(
        site_id=site_id, visitor_id=client_id, name="Vera", email="vera@example.org", metadata=metadata)), 201).data
    again = ok(register_visitor.sync_detailed(client=anonymous, body=RegisterVisitorBody(
        site_id=site_id, visitor_id=client_id, name="Vera")), 200).data
    assert again.id == registered.id and again.session_token != registered.session_token
    visitor = Client(base_url=base, headers={"X-Visitor-Token": registered.session_token},
                     raise_on_unexpected_status=True)

    conversation = ok(create_conversation.sync_detailed(client=visitor, body=CreateConversationBody(
        site_id=site_id, visitor_id=client_id, subject="Pricing")), 201).data
    assert conversation.visitor_id == client_id and str(conversation.status) == "active"
    conversation_id = conversation.id

    first = ok(send_message.sync_detailed(client=visitor, body=SendMessageBody(
        conversation_id=conversation_id, type_=SendMessageBodyType.TEXT, content="Hello?", client_message_id="c-1")), 201).data
    resent = ok(send_message.sync_detailed(client=visitor, body=SendMessageBody(
        conversation_id=conversation_id, type_=SendMessageBodyType.TEXT, content="Hello?", client_message_id="c-1")), 201).data
    assert (first.seq, resent.id) == (1, first.id), "a resend must not create a second message"
    key = str(uuid.uuid4())
    reply = ok(send_message.sync_detailed(client=agent, idempotency_key=key, body=SendMessageBody(
        conversation_id=conversation_id, type_=SendMessageBodyType.TEXT, content="Hi Vera, how can I help?")), 201).data
    replayed = send_message.sync_detailed(client=agent, idempotency_key=key, body=SendMessageBody(
        conversation_id=conversation_id, type_=SendMessageBodyType.TEXT, content="Hi Vera, how can I help?"))
    assert ok(replayed, 201).data.id == reply.id and replayed.headers.get("idempotent-replayed") == "true"
    assert reply.seq == 2 and str(reply.from_) == "support" and str(reply.status) == "sent"

    page = ok(list_messages.sync_detailed(client=visitor, conversation_id=conversation_id), 200).data
    assert [m.seq for m in page.messages] == [1, 2] and not page.has_more
    later = ok(list_messages.sync_detailed(client=agent, conversation_id=conversation_id, after=first.id), 200).data
    assert [m.id for m in later.messages] == [reply.id]

    read = ok(mark_messages_read.sync_detailed(client=visitor, body=MarkMessagesReadBody(
        conversation_id=conversation_id)), 200).data
    assert read.read_through_seq == 2 and read.unread_count == 0
    ok(send_typing.sync_detailed(client=visitor, body=SendTypingBody(conversation_id=conversation_id, is_typing=True)), 200)

    detail = ok(get_conversation.sync_detailed(client=agent, conversation_id=conversation_id, messages_limit=1), 200).data
    assert [m.id for m in detail.messages] == [reply.id] and detail.has_more_messages
    assert str(detail.messages[0].status) == "read", "the visitor read the reply"
    listed = ok(list_conversations.sync_detailed(client=agent, site_id=site_id), 200).data
    assert conversation_id in [c.id for c in listed.conversations]

    assigned = ok(assign_conversation.sync_detailed(client=owner, conversation_id=conversation_id,
                                                    body=AssignConversationBody(agent_id=tokens.user.id)), 200).data
    assert assigned.assigned_agent.id == tokens.user.id
    # Presence is live: this visitor has no WebSocket open, so it is offline and not active.
    active = ok(list_active_visitors.sync_detailed(client=agent, site_id=site_id), 200).data
    assert registered.id not in [v.id for v in active.visitors]
    seen = ok(get_visitor.sync_detailed(client=agent, visitor_id=client_id), 200).data
    assert seen.id == registered.id and seen.metadata["page"] == "/pricing" and str(seen.status) == "offline"

    notes = ok(list_notifications.sync_detailed(client=agent), 200).data
    assert {"new_conversation", "assigned"} <= {str(n.type_) for n in notes.notifications}
    marked = ok(mark_notifications_read.sync_detailed(client=agent, body=MarkNotificationsReadBody()), 200).data
    assert marked.marked_count == notes.unread_count

    agents = ok(list_agents.sync_detailed(client=agent, site_id=site_id), 200).data
    assert {a.username for a in agents.agents} >= {"fuzz", "helper"}
    assert all(a.last_seen is not None for a in agents.agents if a.username == "fuzz"), "fuzz logged in"
    status = ok(update_agent_status.sync_detailed(client=agent, body=UpdateAgentStatusBody(
        status=UpdateAgentStatusBodyStatus.AWAY)), 200).data
    assert str(status.status) == "away"

    closed = ok(close_conversation.sync_detailed(client=agent, conversation_id=conversation_id,
                                                 body=CloseConversationBody(resolution="answered")), 200).data
    assert str(closed.status) == "closed" and closed.closed_by == tokens.user.id
    failed(send_message.sync_detailed(client=visitor, body=SendMessageBody(
        conversation_id=conversation_id, type_=SendMessageBodyType.TEXT, content="still there?")), 409, "CONFLICT")

    figures = ok(dashboard.sync_detailed(client=owner, site_id=site_id), 200).data
    assert figures.total_conversations >= 1 and figures.messages_sent >= 2
    assert figures.customer_satisfaction is None, "no customer has rated a conversation"
    mine = ok(agent_performance.sync_detailed(client=owner, agent_id=tokens.user.id), 200).data
    assert mine.messages_sent == 1 and mine.conversations_handled == 1

    # Error answers parse into the documented Error model.
    failed(get_conversation.sync_detailed(client=visitor, conversation_id="conv_999999"), 404, "NOT_FOUND")
    failed(list_agents.sync_detailed(client=visitor, site_id=site_id), 403, "FORBIDDEN")

    rotated = ok(refresh.sync_detailed(client=anonymous, body=RefreshBody(refresh_token=tokens.refresh_token)), 200).data
    assert rotated.refresh_token != tokens.refresh_token
    ok(logout.sync_detailed(client=AuthenticatedClient(base_url=base, token=rotated.token)), 200)
    failed(validate_token.sync_detailed(client=agent), 401, "UNAUTHORIZED")
    print(f"openapi client round trip: {steps} calls through the generated client, all as documented")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
