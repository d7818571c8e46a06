"""Quizzes: the question bank, GIFT import, attempts and their automatic scoring."""
