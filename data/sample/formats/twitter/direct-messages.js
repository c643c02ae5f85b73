window.YTD.direct_messages.part0 = [
  {
    "dmConversation": {
      "conversationId": "1000000001-2000000002",
      "messages": [
        {
          "messageCreate": {
            "recipientId": "1000000001",
            "reactions": [],
            "urls": [],
            "text": "Why won't you answer?",
            "mediaUrls": [],
            "senderId": "2000000002",
            "id": "1767120000000000003",
            "createdAt": "2024-03-11T20:14:05.331Z"
          }
        },
        {
          "messageCreate": {
            "recipientId": "1000000001",
            "reactions": [],
            "urls": [],
            "text": "",
            "mediaUrls": [
              "https://ton.twitter.com/dm/1767110000000000002/1767110000000000009/photo.jpg"
            ],
            "senderId": "2000000002",
            "id": "1767110000000000002",
            "createdAt": "2024-03-11T19:35:48.002Z"
          }
        },
        {
          "messageCreate": {
            "recipientId": "2000000002",
            "reactions": [
              {
                "senderId": "2000000002",
                "reactionKey": "like",
                "eventId": "1761000000000000011",
                "createdAt": "2024-02-22T09:01:00.000Z"
              }
            ],
            "urls": [],
            "text": "Climbing on Thursday?",
            "mediaUrls": [],
            "senderId": "1000000001",
            "id": "1760600000000000001",
            "createdAt": "2024-02-22T08:55:13.870Z"
          }
        }
      ]
    }
  }
]
