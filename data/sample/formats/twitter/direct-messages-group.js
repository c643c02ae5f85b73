window.YTD.direct_messages_group.part0 = [
  {
    "dmConversation": {
      "conversationId": "1755000000000000000",
      "messages": [
        {
          "participantsLeave": {
            "userIds": [
              "1000000001"
            ],
            "createdAt": "2024-03-12T07:00:00.000Z"
          }
        },
        {
          "messageCreate": {
            "reactions": [],
            "urls": [],
            "text": "She'll read this eventually.",
            "mediaUrls": [],
            "senderId": "2000000002",
            "id": "1767200000000000004",
            "createdAt": "2024-03-11T22:40:10.500Z"
          }
        },
        {
          "joinConversation": {
            "initiatingUserId": "3000000003",
            "participantsSnapshot": [
              "1000000001",
              "2000000002",
              "3000000003"
            ],
            "createdAt": "2024-01-30T12:00:00.000Z"
          }
        }
      ]
    }
  }
]
