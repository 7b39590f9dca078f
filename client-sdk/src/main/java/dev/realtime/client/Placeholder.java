package dev.realtime.client; final class Placeholder { }
