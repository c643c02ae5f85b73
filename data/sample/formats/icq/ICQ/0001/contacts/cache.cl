{
 "groups": [
  {
   "id": 1,
   "name": "General",
   "buddies": [
    {
     "aimId": "700900456",
     "friendly": "Rob",
     "state": "offline",
     "statusMsg": "",
     "userType": "icq",
     "lastseen": 0,
     "mute": false
    },
    {
     "aimId": "700900321",
     "friendly": "Sam",
     "state": "offline",
     "statusMsg": "",
     "userType": "icq",
     "lastseen": 0,
     "mute": false
    }
   ]
  }
 ]
}