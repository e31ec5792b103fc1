-- wrk script for the desk's load check: one short conversation per scoring request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LUREWATCH_LOAD_KEY")
wrk.body = [[{"id":"load","messages":[
{"sender":"Mei","text":"你好呀，加我QQ 12345678，我們視頻聊天"},
{"sender":"Ka Ho","text":"好呀，你係邊度人？"},
{"sender":"Mei","text":"我錄了你的片段，不給兩萬就發給你所有朋友"},
{"sender":"Ka Ho","text":"求求你不要"}]}]]
